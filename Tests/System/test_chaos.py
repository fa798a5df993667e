"""Two `serve` instances on one PostgreSQL against emulators that fail on purpose (429s, 5xx, hangs, dropped
connections): offline conversations (a third with a summary that arrives after the end) and concurrent
in-conversation runs, some for the same customers. Mid-load one instance is killed with SIGKILL and comes back
with a new admin key, the Salesforce offline action moves to another account, and some contacts are deleted in
the CRM before their follow-ups. Nobody retries a run by hand: an agent only repeats a call it got no answer
to, with the same Idempotency-Key. Within 60 s of the load every run has succeeded; the emulators' records show
no duplicate contact and exactly one note per action and conversation, carrying the final summary."""
import os
import signal
import threading
import time
import uuid
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from support import Server, audit_get, fresh_database, wait_until

OFFLINE = 500
LIVE = 200
CHAOS = {"latencyMs": 5, "rate429": 0.10, "rate5xx": 0.05, "rateTimeout": 0.02, "rateReset": 0.01, "timeoutSeconds": 1}


def deleted_before_follow_up(index):
    return index % 9 == 0


def final_summary(index):
    return f"Call {index} final." if index % 3 == 0 else f"Call {index} early."


def live_email(index):
    return f"live{index % 40}@chaos.example"


def delete_in_crm(url):
    """A person deleting a record in the CRM, trying again while the CRM fails."""
    for _ in range(50):
        try:
            deleted = requests.delete(url, headers={"Authorization": f"Bearer test-chaos-person-{uuid.uuid4().hex}"}, timeout=10)
        except requests.RequestException:
            continue
        if deleted.status_code == 204:
            return
        assert deleted.status_code == 429 or deleted.status_code >= 500, deleted.text
        time.sleep(0.1)
    pytest.fail(f"could not delete {url}")


def in_parallel(function, items, workers=16):
    with ThreadPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(function, items))


@pytest.mark.skipif(not os.environ.get("CONTACT_SYNC_TEST_POSTGRES_URL"), reason="needs the PostgreSQL that scripts/test starts")
def test_two_instances_under_chaos_sync_every_run_once(emulators):
    database = fresh_database(os.environ["CONTACT_SYNC_TEST_POSTGRES_URL"])
    instances = [Server(["--database-url", database], key="chaos-key") for _ in range(2)]
    for server in instances:
        server.start()
    a, b = instances
    hubspot = a.call("POST", "/v1/accounts", json={"crm": "hubspot", "name": "Chaos", "accessToken": "test-chaos", "baseURL": emulators["hubspot"]}).json()["id"]
    salesforce = a.call("POST", "/v1/accounts", json={"crm": "salesforce", "name": "Chaos", "accessToken": "test-chaos", "instanceURL": emulators["salesforce"]}).json()["id"]

    def action(template, account, offline, mappings):
        body = {"template": template, "name": f"{template} {'offline' if offline else 'live'}", "intent": "Save the customer", "offlineSync": offline,
                "accountId": account, "allowCreate": True, "allowUpdateExisting": True, "mappings": mappings}
        answer = a.call("POST", "/v1/actions", json=body)
        assert answer.status_code == 201, answer.text
        return answer.json()["id"]

    hubspot_mappings = [{"crmField": "email", "agentField": "email"}, {"crmField": "firstname", "agentField": "first_name"}]
    salesforce_mappings = [{"crmField": "Email", "agentField": "email"}, {"crmField": "LastName", "agentField": "last_name"},
                           {"crmField": "Conversation_Summary__c", "agentField": "summary"}]
    offline_actions = [action("hubspot.upsert_contact", hubspot, True, hubspot_mappings), action("salesforce.upsert_contact", salesforce, True, salesforce_mappings)]
    live_actions = [action("hubspot.upsert_contact", hubspot, False, hubspot_mappings), action("salesforce.upsert_contact", salesforce, False, salesforce_mappings)]
    voice = a.call("POST", "/v1/agents", json={"name": "Phone", "channel": "voice", "actionIds": offline_actions}).json()["id"]
    chat = a.call("POST", "/v1/agents", json={"name": "Chat", "channel": "text", "actionIds": live_actions}).json()["id"]

    def open_call(index):
        server = instances[index % 2]
        conversation = server.call("POST", "/v1/conversations", json={"agentId": voice}).json()["id"]
        server.call("PATCH", f"/v1/conversations/{conversation}/attributes",
                    json={"email": f"off{index}@chaos.example", "first_name": f"O{index}", "last_name": "Offline"})
        server.call("PUT", f"/v1/conversations/{conversation}/summary", json={"text": f"Call {index} early."})
        return conversation

    calls = in_parallel(open_call, range(OFFLINE))
    chats = in_parallel(lambda index: instances[index % 2].call("POST", "/v1/conversations", json={"agentId": chat}).json()["id"], range(LIVE))

    for url in emulators.values():
        requests.post(url + "/_emulator/faults", json=CHAOS, timeout=5).raise_for_status()

    def answer(index, method, path, **kwargs):
        """A request at instance `index % 2`, or at the other one while that one is down or its key is rotating."""
        headers = kwargs.pop("headers", {})
        for attempt in range(120):
            server = instances[(index + attempt) % 2]
            try:
                response = requests.request(method, server.url(path), headers={"Authorization": f"Bearer {server.key}", **headers}, timeout=60, **kwargs)
            except requests.RequestException:
                time.sleep(0.25)
                continue
            if response.status_code == 401:
                time.sleep(0.25)
                continue
            assert response.status_code < 500, response.text
            return response
        pytest.fail(f"no instance answered {method} {path}")

    def first_records(conversation):
        runs = answer(0, "GET", "/v1/runs", params={"conversationId": conversation}).json()["items"]
        firsts = [run for run in runs if run["trigger"] == "offline"]
        if len(firsts) < 2 or any(run["status"] != "succeeded" for run in firsts):
            return None
        return {run["actionId"]: run["crmRecordId"] for run in firsts}

    def end_call(index):
        answer(index, "POST", f"/v1/conversations/{calls[index]}/end")
        if index % 3 == 0:
            # The post-call summary arrives after the offline runs were dispatched, at the other instance.
            wait_until(lambda: answer(index + 1, "GET", "/v1/runs", params={"conversationId": calls[index]}).json()["items"], 30, "the dispatch")
            if deleted_before_follow_up(index):
                # Someone deletes the contacts in the CRM before the late summary arrives.
                records = {}
                wait_until(lambda: records.update(first_records(calls[index]) or {}) or len(records) == 2, 60, "the first runs")
                delete_in_crm(f"{emulators['hubspot']}/crm/v3/objects/contacts/{records[offline_actions[0]]}")
                delete_in_crm(f"{emulators['salesforce']}/services/data/v62.0/sobjects/Contact/{records[offline_actions[1]]}")
            answer(index + 1, "PUT", f"/v1/conversations/{calls[index]}/summary", json={"text": final_summary(index)})

    def live_run(index):
        body = {"conversationId": chats[index], "summary": f"Live {index}.",
                "fields": {"email": live_email(index), "first_name": f"L{index}", "last_name": "Live"}}
        # An agent that gets no answer repeats its call, with the same key; a repeat of a run still in flight
        # elsewhere answers it as it stands.
        while True:
            run = answer(index, "POST", f"/v1/actions/{live_actions[index % 2]}/runs", json=body, headers={"Idempotency-Key": f"live-{index}"}).json()
            if run["status"] != "running":
                break
            time.sleep(0.5)
        assert run["status"] in ("succeeded", "pending"), run
        return run

    answered = [0]
    counting = threading.Lock()
    a_third_answered = threading.Event()

    def counted(index):
        run = live_run(index)
        with counting:
            answered[0] += 1
            if answered[0] >= LIVE // 3:
                a_third_answered.set()
        return run

    salesforce_b = a.call("POST", "/v1/accounts", json={"crm": "salesforce", "name": "Chaos B", "accessToken": "test-chaos-b",
                                                        "instanceURL": emulators["salesforce"]}).json()["id"]

    def disrupt():
        # While live runs are in flight at both instances.
        assert a_third_answered.wait(120), "a third of the live runs were not answered"
        # One instance dies mid-load; it comes back with a new admin key.
        instances[1].stop(signal.SIGKILL)
        assert answered[0] < LIVE, "the live runs were over before the kill"
        moved = a.call("GET", f"/v1/actions/{offline_actions[1]}").json()
        moved["accountId"] = salesforce_b
        assert a.call("PUT", f"/v1/actions/{offline_actions[1]}", json=moved).status_code == 200
        restarted = Server(["--database-url", database], key="chaos-key-2")
        restarted.start()
        instances[1] = restarted
        old = a.key
        a.key = "chaos-key-2"
        wait_until(lambda: requests.get(a.url("/v1/actions"), headers={"Authorization": f"Bearer {old}"}, timeout=10).status_code == 401,
                   10, "the old admin key to be revoked on the other instance")

    with ThreadPoolExecutor(max_workers=3) as pool:
        disrupting = pool.submit(disrupt)
        ending = pool.submit(in_parallel, end_call, range(OFFLINE))
        running = pool.submit(in_parallel, counted, range(LIVE))
        ending.result()
        live_runs = running.result()
        disrupting.result()
    a, b = instances

    late = len(range(0, OFFLINE, 3))
    expected = {**{action_id: OFFLINE + late for action_id in offline_actions}, **{action_id: LIVE // 2 for action_id in live_actions}}

    def settled():
        return all(a.succeeded(action_id) == count for action_id, count in expected.items())

    try:
        wait_until(settled, 60, "every run to succeed, within 60 s of the load")
        for action_id, count in expected.items():
            assert len(a.runs(action_id)) == count, "one run per call and action, one follow-up per late summary, however often a call was repeated"
        for url in emulators.values():
            answered_by = requests.get(url + "/_emulator/requests", timeout=5).json()["byStatus"]
            assert answered_by.get("429", 0) > 0 and answered_by.get("503", 0) > 0, f"no chaos was injected: {answered_by}"
    finally:
        for url in emulators.values():
            requests.post(url + "/_emulator/faults", json={"latencyMs": 0}, timeout=5)
        for server in instances:
            server.stop()

    live_by_email = defaultdict(set)
    for index, run in enumerate(live_runs):
        if index % 2 == 0:
            live_by_email[live_email(index)].add(f"Live {index}.")
    audit_hubspot_under_chaos(emulators["hubspot"], live_by_email)
    audit_salesforce_under_chaos(emulators["salesforce"])


def audit_hubspot_under_chaos(url, live_by_email):
    contacts, after = [], "0"
    while True:
        page = audit_get(f"{url}/crm/v3/objects/contacts", limit=100, after=after, properties="email")
        contacts += page["results"]
        if "paging" not in page:
            break
        after = page["paging"]["next"]["after"]
    emails = [contact["properties"]["email"] for contact in contacts]
    assert len(emails) == len(set(emails)), "a HubSpot contact was created twice"
    assert len(emails) == OFFLINE + len(live_by_email)

    def notes_of(contact):
        found = audit_get(f"{url}/crm/v3/objects/contacts/{contact['id']}", associations="notes")
        ids = [note["id"] for note in found.get("associations", {}).get("notes", {}).get("results", [])]
        return contact["properties"]["email"], [audit_get(f"{url}/crm/v3/objects/notes/{note}", properties="hs_note_body")["properties"]["hs_note_body"] for note in ids]

    for email, bodies in in_parallel(notes_of, contacts):
        if email.startswith("off"):
            index = int(email[3:].split("@")[0])
            assert bodies == [final_summary(index)], f"{email}: {bodies}"
        else:
            assert sorted(bodies) == sorted(live_by_email[email]), f"{email}: {bodies}"


def audit_salesforce_under_chaos(url):
    records = audit_get(f"{url}/services/data/v62.0/query", q="SELECT Id, Email, Conversation_Summary__c FROM Contact")["records"]
    emails = [record["Email"] for record in records]
    assert len(emails) == len(set(emails)), "a Salesforce contact was created twice"
    offline = [record for record in records if record["Email"].startswith("off")]
    assert len(offline) == OFFLINE
    for record in offline:
        index = int(record["Email"][3:].split("@")[0])
        assert record["Conversation_Summary__c"] == final_summary(index), record
    assert len(records) == OFFLINE + 20
