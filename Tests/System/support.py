"""Shared helpers for the process-level tests: contact-sync and its emulators as real processes."""
import base64
import os
import signal
import socket
import subprocess
import time
import uuid
from urllib.parse import urlparse, urlunparse

import pytest
import requests

BIN = os.environ.get("CONTACT_SYNC_BIN", ".build/debug/contact-sync")
SECRET = base64.b64encode(bytes(range(32))).decode()


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(args, env=None, log=None):
    """A contact-sync process. With CONTACT_SYNC_TEST_LOG_DIR set, each process logs there at
    CONTACT_SYNC_TEST_LOG_LEVEL (default `info`) to a file of its own; otherwise at `warning`, unkept."""
    log_dir = os.environ.get("CONTACT_SYNC_TEST_LOG_DIR")
    level = os.environ.get("CONTACT_SYNC_TEST_LOG_LEVEL", "info") if log_dir else "warning"
    environment = dict(os.environ, CONTACT_SYNC_SECRET_KEY=SECRET, CONTACT_SYNC_OFFLINE_LEASE_SECONDS="3", LOG_LEVEL=level)
    environment.update(env or {})
    if log is None and log_dir:
        os.makedirs(log_dir, exist_ok=True)
        log = open(os.path.join(log_dir, f"{args[0]}-{time.time_ns()}.log"), "w")
    process = subprocess.Popen([BIN, *args], env=environment, stdout=log or subprocess.DEVNULL, stderr=subprocess.STDOUT)
    STARTED.append(process)
    return process


# Every process `start` made; conftest kills those a test left running, however it ended.
STARTED = []


def stop_leftovers():
    """Kills the processes started so far that are still running."""
    while STARTED:
        process = STARTED.pop()
        if process.poll() is None:
            process.kill()
            process.wait(timeout=10)


def wait_until(check, timeout, what):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if check():
            return
        time.sleep(0.2)
    pytest.fail(f"timed out waiting for {what}")


def emulators_process():
    hubspot, salesforce = free_port(), free_port()
    process = start(["emulators", "--hubspot-port", str(hubspot), "--salesforce-port", str(salesforce), "--latency-ms", "20"])
    urls = {"hubspot": f"http://127.0.0.1:{hubspot}", "salesforce": f"http://127.0.0.1:{salesforce}"}
    wait_until(lambda: _up(urls["hubspot"] + "/_emulator/requests") and _up(urls["salesforce"] + "/_emulator/requests"), 30, "the emulators")
    return process, urls


def _up(url):
    try:
        return requests.get(url, timeout=1).status_code == 200
    except requests.RequestException:
        return False


class Server:
    def __init__(self, args, key, env=None):
        self.port = free_port()
        self.key = key
        self.args = args
        self.env = env or {}
        self.process = None

    def start(self):
        self.process = start(["serve", "--port", str(self.port), "--no-emulators", *self.args], env={"CONTACT_SYNC_API_KEY": self.key, **self.env})
        wait_until(lambda: _up(self.url("/health")), 60, "contact-sync serve")

    def url(self, path):
        return f"http://127.0.0.1:{self.port}{path}"

    def call(self, method, path, **kwargs):
        response = requests.request(method, self.url(path), headers={"Authorization": f"Bearer {self.key}"}, timeout=30, **kwargs)
        assert response.status_code < 500, response.text
        return response

    def call_status(self, method, path, **kwargs):
        """The status of a call that may be refused (a 4xx is an answer here)."""
        return requests.request(method, self.url(path), headers={"Authorization": f"Bearer {self.key}"}, timeout=30, **kwargs).status_code

    def setup_burst(self, hubspot_url, token, count):
        account = self.call("POST", "/v1/accounts", json={"crm": "hubspot", "name": "Burst", "accessToken": token, "baseURL": hubspot_url}).json()["id"]
        action = self.call("POST", "/v1/actions", json={
            "template": "hubspot.upsert_contact", "name": "Sync after call", "offlineSync": True, "accountId": account,
            "mappings": [{"crmField": "email", "agentField": "email"}, {"crmField": "firstname", "agentField": "first_name"}],
        }).json()["id"]
        agent = self.call("POST", "/v1/agents", json={"name": "Phone", "channel": "voice", "actionIds": [action]}).json()["id"]
        conversations = []
        for index in range(count):
            conversation = self.call("POST", "/v1/conversations", json={"agentId": agent}).json()["id"]
            self.call("PATCH", f"/v1/conversations/{conversation}/attributes", json={"email": f"caller{index}@burst.example", "first_name": f"C{index}"})
            self.call("PUT", f"/v1/conversations/{conversation}/summary", json={"text": f"Call {index} summary."})
            conversations.append(conversation)
        return action, conversations

    def runs(self, action):
        runs, cursor = [], None
        while True:
            params = {"actionId": action, "limit": 500}
            if cursor:
                params["cursor"] = cursor
            page = self.call("GET", "/v1/runs", params=params).json()
            runs += page["items"]
            cursor = page["nextCursor"]
            if not cursor:
                return runs

    def succeeded(self, action):
        count, cursor = 0, None
        while True:
            params = {"actionId": action, "status": "succeeded", "limit": 500}
            if cursor:
                params["cursor"] = cursor
            page = self.call("GET", "/v1/runs", params=params).json()
            count += len(page["items"])
            cursor = page["nextCursor"]
            if not cursor:
                return count

    def stop(self, sig=signal.SIGTERM):
        if self.process and self.process.poll() is None:
            self.process.send_signal(sig)
            self.process.wait(timeout=30)


def audit_get(url, **params):
    """A read for the audit. Each test- token is its own app with its own rate limit, so a fresh one per
    read keeps the audit from being throttled."""
    response = requests.get(url, params=params, headers={"Authorization": f"Bearer test-audit-{uuid.uuid4().hex}"}, timeout=30)
    assert response.status_code == 200, response.text
    return response.json()


def audit_hubspot(hubspot_url, count):
    """Every caller exactly once, each with exactly one note."""
    emails, after = [], "0"
    while True:
        page = audit_get(f"{hubspot_url}/crm/v3/objects/contacts", limit=100, after=after, properties="email")
        for result in page["results"]:
            contact = audit_get(f"{hubspot_url}/crm/v3/objects/contacts/{result['id']}", associations="notes")
            notes = contact.get("associations", {}).get("notes", {}).get("results", [])
            assert len(notes) == 1, f"{result['properties']['email']} has {len(notes)} notes"
            emails.append(result["properties"]["email"])
        if "paging" not in page:
            break
        after = page["paging"]["next"]["after"]
    assert len(emails) == count
    assert sorted(emails) == sorted(f"caller{i}@burst.example" for i in range(count))


HELD_WRITES = {"POST /crm/v3/objects/contacts/batch/create": 2000, "POST /crm/v3/objects/notes/batch/create": 2000}


def emulator_routes(url):
    return requests.get(url + "/_emulator/requests", timeout=5).json()["byRoute"]


def fresh_database(base_url):
    name = "scaleout_" + uuid.uuid4().hex[:12]
    subprocess.run(["psql", base_url, "-q", "-c", f"CREATE DATABASE {name}"], check=True, stdout=subprocess.DEVNULL)
    parts = urlparse(base_url)
    return urlunparse(parts._replace(path="/" + name))
