"""Starts `contact-sync emulators` once for the session and resets both emulators before each test."""
import os
import subprocess
import time

import pytest
import requests


@pytest.fixture(scope="session")
def emulators():
    binary = os.environ.get("CONTACT_SYNC_BIN", ".build/debug/contact-sync")
    process = subprocess.Popen(
        [binary, "emulators", "--hubspot-port", "0", "--salesforce-port", "0"],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
    )
    urls = {}
    deadline = time.time() + 60
    while len(urls) < 2 and time.time() < deadline:
        line = process.stdout.readline()
        if not line:
            break
        if "emulator listening on" in line:
            name = line.split()[0].lower()
            urls[name] = line.strip().split()[-1]
    if len(urls) < 2:
        process.kill()
        pytest.fail("the emulators did not start")
    yield urls
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()


@pytest.fixture(autouse=True)
def fresh(emulators):
    for url in emulators.values():
        requests.post(f"{url}/_emulator/reset", json={}, timeout=5).raise_for_status()
        requests.post(f"{url}/_emulator/faults", json={}, timeout=5).raise_for_status()
    requests.post(f"{emulators['salesforce']}/_emulator/duplicate-rule", json={"mode": "off"}, timeout=5)
    yield


@pytest.fixture
def hubspot_url(emulators):
    return emulators["hubspot"]


@pytest.fixture
def salesforce_url(emulators):
    return emulators["salesforce"]
