import pytest

from support import emulators_process


@pytest.fixture
def emulators():
    """Both emulators in a `contact-sync emulators` process, 20 ms latency; their URLs by CRM."""
    process, urls = emulators_process()
    yield urls
    process.terminate()
    process.wait(timeout=10)
