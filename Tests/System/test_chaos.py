"""Two `serve` instances on one PostgreSQL against emulators that fail on purpose (429s, 5xx, hangs, dropped
connections): offline conversations (a third with a summary that arrives after the end) and concurrent
in-conversation runs, some for the same customers. Every run eventually succeeds; the emulators' records
show no duplicate contact and exactly one note per action and conversation, carrying the final summary."""
import os
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from support import Server, audit_get, fresh_database, wait_until

OFFLINE = 500
LIVE = 200
CHAOS = {"latencyMs": 5, "rate429": 0.10, "rate5xx": 0.05, "rateTimeout": 0.02, "rateReset": 0.01, "timeoutSeconds": 1}


def final_summary(index):
    return f"Call {index} final." if index % 3 == 0 else f"Call {index} early."


def live_email(index):
    return f"live{index % 40}@chaos.example"


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

    def end_call(index):
        instances[index % 2].call("POST", f"/v1/conversations/{calls[index]}/end")
        if index % 3 == 0:
            # The post-call summary arrives after the offline runs were dispatched, at the other instance.
            other = instances[(index + 1) % 2]
            wait_until(lambda: other.call("GET", "/v1/runs", params={"conversationId": calls[index]}).json()["items"], 30, "the dispatch")
            other.call("PUT", f"/v1/conversations/{calls[index]}/summary", json={"text": final_summary(index)})

    def live_run(index):
        server = instances[index % 2]
        run = server.call("POST", f"/v1/actions/{live_actions[index % 2]}/runs", json={
            "conversationId": chats[index], "summary": f"Live {index}.",
            "fields": {"email": live_email(index), "first_name": f"L{index}", "last_name": "Live"}}).json()
        for _ in range(10):
            if run["status"] == "succeeded":
                break
            assert run["status"] == "failed" and run["error"]["retryable"], run
            run = server.call("POST", f"/v1/runs/{run['id']}/retry").json()
        assert run["status"] == "succeeded", run
        return run

    with ThreadPoolExecutor(max_workers=2) as pool:
        ending = pool.submit(in_parallel, end_call, range(OFFLINE))
        running = pool.submit(in_parallel, live_run, range(LIVE))
        ending.result()
        live_runs = running.result()

    def settled():
        for action_id in offline_actions:
            if a.succeeded(action_id) < OFFLINE:
                return False
            for status in ("pending", "running", "waiting_for_account", "failed"):
                if a.call("GET", "/v1/runs", params={"actionId": action_id, "status": status, "limit": 1}).json()["items"]:
                    return False
        return True

    try:
        wait_until(settled, 240, "every offline run and follow-up to succeed")
        late = len(range(0, OFFLINE, 3))
        for action_id in offline_actions:
            assert len(a.runs(action_id)) == OFFLINE + late, "one follow-up per late summary and offline action"
        for url in emulators.values():
            answered = requests.get(url + "/_emulator/requests", timeout=5).json()["byStatus"]
            assert answered.get("429", 0) > 0 and answered.get("503", 0) > 0, f"no chaos was injected: {answered}"
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
