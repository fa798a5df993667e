"""Offline sync across real processes: a SIGKILL in the middle of a burst, a SIGTERM, and several workers on
one PostgreSQL. Every conversation must be synced, and no contact or note written twice."""
import os
import signal
import time

import pytest
import requests

from support import free_port, HELD_WRITES, Server, audit_hubspot, emulator_routes, fresh_database, start, wait_until


def held_burst(server, emulators, token, count):
    """Starts a burst of `count` ended calls whose batch writes the emulator holds for 2 s each, so the burst
    takes several seconds whatever the machine's speed and its steps come in a known order: contacts, then
    their notes. Returns, with the action, while a contact batch is held whose notes have not been sent (the
    first, or a later one when ending the calls took longer than a batch on a slow machine)."""
    action, conversations = server.setup_burst(emulators["hubspot"], token, count)
    requests.post(emulators["hubspot"] + "/_emulator/faults", json={"latencyMs": 20, "routeLatencyMs": HELD_WRITES}, timeout=5)
    for conversation in conversations:
        server.call("POST", f"/v1/conversations/{conversation}/end")
    wait_until(lambda: unsent_note_batches(emulators["hubspot"]) > 0, 60, "a contact batch to be held before its notes")
    return action


def unsent_note_batches(hubspot):
    """Contact batches that reached the emulator and whose note batch has not (yet) followed."""
    routes = emulator_routes(hubspot)
    return routes.get("POST /crm/v3/objects/contacts/batch/create", 0) - routes.get("POST /crm/v3/objects/notes/batch/create", 0)


def test_sigkill_during_a_burst_loses_nothing_and_duplicates_nothing(emulators, tmp_path):
    count = 400
    server = Server(["--data-dir", str(tmp_path)], key="crash-key")
    server.start()
    action = held_burst(server, emulators, "test-crash", count)
    # Killed while a contact batch is being written: its notes cannot have been sent yet. A dead process
    # sends nothing more, so the count after the kill says where it came.
    server.stop(signal.SIGKILL)
    assert unsent_note_batches(emulators["hubspot"]) > 0, "the kill came after the notes of every contact batch had been sent"
    requests.post(emulators["hubspot"] + "/_emulator/faults", json={"latencyMs": 20}, timeout=5)
    server.start()
    wait_until(lambda: server.succeeded(action) == count, 120, "every conversation to be synced after the restart")
    server.stop()
    audit_hubspot(emulators["hubspot"], count)


def test_sigterm_during_a_burst_finishes_the_batch_and_redoes_nothing(emulators, tmp_path):
    count = 300
    server = Server(["--data-dir", str(tmp_path)], key="term-key")
    server.start()
    action = held_burst(server, emulators, "test-term", count)
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


@pytest.mark.skipif(not os.environ.get("CONTACT_SYNC_TEST_POSTGRES_URL"), reason="needs the PostgreSQL that scripts/test starts")
def test_three_workers_on_one_postgresql_run_every_run_exactly_once(emulators, tmp_path):
    count = 600
    database = fresh_database(os.environ["CONTACT_SYNC_TEST_POSTGRES_URL"])
    server = Server(["--database-url", database, "--no-offline-sync"], key="scale-key")
    server.start()
    action, conversations = server.setup_burst(emulators["hubspot"], "test-scaleout", count)
    metrics_port = free_port()
    workers = [start(["worker", "--database-url", database, *(["--metrics-port", str(metrics_port)] if index == 0 else [])]) for index in range(3)]
    try:
        for conversation in conversations:
            server.call("POST", f"/v1/conversations/{conversation}/end")
        wait_until(lambda: server.succeeded(action) == count, 180, "every conversation to be synced by the workers")
        # A worker exports its metrics; the offline queue is measured when they are scraped.
        assert requests.get(f"http://127.0.0.1:{metrics_port}/health", timeout=5).status_code == 200
        exported = requests.get(f"http://127.0.0.1:{metrics_port}/metrics", timeout=5).text
        assert 'contact_sync_offline_queue_depth{state="due"} 0' in exported, exported[:2000]
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
