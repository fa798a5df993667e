import pytest

from support import emulators_process, stop_leftovers


@pytest.fixture(autouse=True)
def no_process_outlives_its_test():
    """A test that fails midway leaves no contact-sync process running behind it."""
    yield
    stop_leftovers()


@pytest.fixture
def emulators():
    """Both emulators in a `contact-sync emulators` process, 20 ms latency; their URLs by CRM."""
    process, urls = emulators_process()
    yield urls
    process.terminate()
    process.wait(timeout=10)
