"""Offline sync across real processes: a SIGKILL in the middle of a burst, and several workers on one
PostgreSQL. Every conversation must be synced, and no contact or note written twice."""
import base64
import os
import signal
import socket
import subprocess
import tempfile
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
    environment = dict(os.environ, CONTACT_SYNC_SECRET_KEY=SECRET, CONTACT_SYNC_OFFLINE_LEASE_SECONDS="3", LOG_LEVEL="warning")
    environment.update(env or {})
    return subprocess.Popen([BIN, *args], env=environment, stdout=log or subprocess.DEVNULL, stderr=subprocess.STDOUT)


def wait_until(check, timeout, what):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if check():
            return
        time.sleep(0.2)
    pytest.fail(f"timed out waiting for {what}")


@pytest.fixture
def emulators():
    hubspot, salesforce = free_port(), free_port()
    process = start(["emulators", "--hubspot-port", str(hubspot), "--salesforce-port", str(salesforce), "--latency-ms", "20"])
    urls = {"hubspot": f"http://127.0.0.1:{hubspot}", "salesforce": f"http://127.0.0.1:{salesforce}"}
    wait_until(lambda: _up(urls["hubspot"] + "/_emulator/requests") and _up(urls["salesforce"] + "/_emulator/requests"), 30, "the emulators")
    yield urls
    process.terminate()
    process.wait(timeout=10)


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


def test_sigkill_during_a_burst_loses_nothing_and_duplicates_nothing(emulators, tmp_path):
    count = 400
    server = Server(["--data-dir", str(tmp_path)], key="crash-key")
    server.start()
    action, conversations = server.setup_burst(emulators["hubspot"], "test-crash", count)
    # Each batch write is held for 2 s at the emulator, so the burst takes several seconds whatever the
    # machine's speed, and its steps come in a known order: contacts, then their notes.
    requests.post(emulators["hubspot"] + "/_emulator/faults", json={"latencyMs": 20, "routeLatencyMs": HELD_WRITES}, timeout=5)
    for conversation in conversations:
        server.call("POST", f"/v1/conversations/{conversation}/end")
    # Kill while the first contact batch is being written: its notes cannot have been sent yet.
    wait_until(lambda: emulator_routes(emulators["hubspot"]).get("POST /crm/v3/objects/contacts/batch/create", 0) >= 1, 60, "the burst to start writing")
    server.stop(signal.SIGKILL)
    assert emulator_routes(emulators["hubspot"]).get("POST /crm/v3/objects/notes/batch/create", 0) == 0, "the kill came after a batch had been written"
    requests.post(emulators["hubspot"] + "/_emulator/faults", json={"latencyMs": 20}, timeout=5)
    server.start()
    wait_until(lambda: server.succeeded(action) == count, 120, "every conversation to be synced after the restart")
    server.stop()
    audit_hubspot(emulators["hubspot"], count)


def test_sigterm_during_a_burst_finishes_the_batch_and_redoes_nothing(emulators, tmp_path):
    count = 300
    server = Server(["--data-dir", str(tmp_path)], key="term-key")
    server.start()
    action, conversations = server.setup_burst(emulators["hubspot"], "test-term", count)
    requests.post(emulators["hubspot"] + "/_emulator/faults", json={"latencyMs": 20, "routeLatencyMs": HELD_WRITES}, timeout=5)
    for conversation in conversations:
        server.call("POST", f"/v1/conversations/{conversation}/end")
    wait_until(lambda: emulator_routes(emulators["hubspot"]).get("POST /crm/v3/objects/contacts/batch/create", 0) >= 1, 60, "the burst to start writing")
    server.stop(signal.SIGTERM)
    routes = emulator_routes(emulators["hubspot"])
    # The batch under way when the stop came was finished: its notes were written before the exit.
    assert routes.get("POST /crm/v3/objects/notes/batch/create", 0) == routes.get("POST /crm/v3/objects/contacts/batch/create", 0)
    requests.post(emulators["hubspot"] + "/_emulator/faults", json={"latencyMs": 20}, timeout=5)
    server.start()
    wait_until(lambda: server.succeeded(action) == count, 120, "every conversation to be synced after the restart")
    runs = server.runs(action)
    server.stop()
    redone = [(run["attempts"], run["outcome"]) for run in runs if run["attempts"] != 1 or run["outcome"] != "created"]
    assert not redone, f"runs carried out again after the stop: {redone[:5]}"
    audit_hubspot(emulators["hubspot"], count)


def test_sigterm_with_a_hung_crm_exits_within_the_grace_period(emulators, tmp_path):
    count = 50
    server = Server(["--data-dir", str(tmp_path)], key="hung-key", env={"CONTACT_SYNC_SHUTDOWN_GRACE_SECONDS": "2"})
    server.start()
    action, conversations = server.setup_burst(emulators["hubspot"], "test-hung", count)
    # The CRM stops answering writes: every contact write hangs for a minute.
    requests.post(emulators["hubspot"] + "/_emulator/faults", json={"latencyMs": 20, "routeLatencyMs": {"POST /crm/v3/objects/contacts/batch/create": 60000}}, timeout=5)
    for conversation in conversations:
        server.call("POST", f"/v1/conversations/{conversation}/end")
    wait_until(lambda: emulator_routes(emulators["hubspot"]).get("POST /crm/v3/objects/contacts/batch/create", 0) >= 1, 60, "a write to hang")
    stopped = time.time()
    server.process.send_signal(signal.SIGTERM)
    server.process.wait(timeout=40)
    assert time.time() - stopped < 15, f"the stop took {time.time() - stopped:.1f} s with a 2 s grace period"
    requests.post(emulators["hubspot"] + "/_emulator/faults", json={"latencyMs": 20}, timeout=5)
    server.start()
    wait_until(lambda: server.succeeded(action) == count, 120, "every conversation to be synced after the restart")
    server.stop()
    audit_hubspot(emulators["hubspot"], count)


def fresh_database(base_url):
    name = "scaleout_" + uuid.uuid4().hex[:12]
    subprocess.run(["psql", base_url, "-q", "-c", f"CREATE DATABASE {name}"], check=True, stdout=subprocess.DEVNULL)
    parts = urlparse(base_url)
    return urlunparse(parts._replace(path="/" + name))


@pytest.mark.skipif(not os.environ.get("CONTACT_SYNC_TEST_POSTGRES_URL"), reason="needs the PostgreSQL that scripts/test starts")
def test_three_workers_on_one_postgresql_run_every_run_exactly_once(emulators, tmp_path):
    count = 600
    database = fresh_database(os.environ["CONTACT_SYNC_TEST_POSTGRES_URL"])
    server = Server(["--database-url", database, "--no-offline-sync"], key="scale-key")
    server.start()
    action, conversations = server.setup_burst(emulators["hubspot"], "test-scaleout", count)
    workers = [start(["worker", "--database-url", database]) for _ in range(3)]
    try:
        for conversation in conversations:
            server.call("POST", f"/v1/conversations/{conversation}/end")
        wait_until(lambda: server.succeeded(action) == count, 180, "every conversation to be synced by the workers")
        runs = server.runs(action)
        assert len(runs) == count
        again = [(run["attempts"], run["status"], run["outcome"], run["error"], run["startedAt"], run["finishedAt"]) for run in runs if run["attempts"] != 1]
        assert not again, f"runs carried out more than once: {again[:5]}"
        assert len({run["conversationId"] for run in runs}) == count
    finally:
        for worker in workers:
            worker.send_signal(signal.SIGTERM)
        for worker in workers:
            worker.wait(timeout=30)
        server.stop()
    audit_hubspot(emulators["hubspot"], count)
