"""Voice platforms post their calls to contact-sync (API.md §6): real signed HTTP deliveries built from each
platform's documented payloads, checked against the types and signature verifiers of its official SDK, drive
`serve` with the emulated CRMs."""
import hashlib
import hmac
import json
import threading
import time
import uuid
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import requests
from elevenlabs.webhooks_custom import WebhooksClient
from retell.lib import webhook_auth
from retell.types.phone_call_response import PhoneCallResponse
from vapi.types.server_message_end_of_call_report import ServerMessageEndOfCallReport

from support import Server, audit_get, wait_until


def serve(tmp_path, key, env=None):
    server = Server(["--data-dir", str(tmp_path)], key=key, env={"CONTACT_SYNC_RETRY_WINDOW_SECONDS": "60", **(env or {})})
    server.start()
    return server


class SummaryModel(BaseHTTPRequestHandler):
    """An OpenAI-compatible endpoint whose every answer is one summary: the agent's model writes it when the
    platform has sent none yet (Retell's call_ended comes before its analysis)."""
    summary = "Caller asked about plans."

    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        answer = {"choices": [{"message": {"role": "assistant", "content": json.dumps({"summary": self.summary})}, "finish_reason": "stop"}]}
        data = json.dumps(answer).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


@contextmanager
def summary_model():
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), SummaryModel)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield {"CONTACT_SYNC_LLM_BASE_URL": f"http://127.0.0.1:{httpd.server_address[1]}", "CONTACT_SYNC_LLM_API_KEY": "test-model",
               "CONTACT_SYNC_LLM_MODEL": "summary-model"}
    finally:
        httpd.shutdown()


def voice_agent(server, crm_url, crm, token, mappings, extraction="rules"):
    """An agent with one offline action on `crm` (an account with `token`); returns (agent, action)."""
    account = server.call("POST", "/v1/accounts", json={"crm": crm, "name": f"{crm} voice", "accessToken": token, "baseURL": crm_url,
                                                        **({"instanceURL": crm_url} if crm == "salesforce" else {})}).json()["id"]
    template = "hubspot.upsert_contact" if crm == "hubspot" else "salesforce.upsert_contact"
    action = server.call("POST", "/v1/actions", json={
        "template": template, "name": f"Sync {crm} calls", "offlineSync": True, "accountId": account, "allowCreate": True,
        "allowUpdateExisting": True, "mappings": mappings}).json()["id"]
    agent = server.call("POST", "/v1/agents", json={"name": "Phone desk", "channel": "voice", "actionIds": [action],
                                                    "extraction": {"mode": extraction}}).json()["id"]
    return agent, action


def connect(server, agent, platform, secret, mapping, caller_phone_field="phone"):
    answer = server.call("PUT", f"/v1/agents/{agent}/platform", json={
        "platform": platform, "secret": secret, "mapping": mapping, "callerPhoneField": caller_phone_field}).json()
    assert answer["webhookUrl"].endswith(f"/v1/agents/{agent}/webhooks/{platform}")
    assert "secret" not in answer
    return answer["webhookUrl"]


def deliver(server, agent, platform, body, headers):
    return requests.post(server.url(f"/v1/agents/{agent}/webhooks/{platform}"), data=body,
                         headers={"Content-Type": "application/json", **headers}, timeout=10)


def succeeded_runs(server, action):
    return [run for run in server.runs(action) if run["status"] == "succeeded"]


def hubspot_contact(url, email):
    found = audit_get(f"{url}/crm/v3/objects/contacts/{email}", idProperty="email", properties="email,firstname,company,phone",
                      associations="notes")
    notes = found.get("associations", {}).get("notes", {}).get("results", [])
    bodies = [audit_get(f"{url}/crm/v3/objects/notes/{note['id']}", properties="hs_note_body")["properties"]["hs_note_body"] for note in notes]
    return found["properties"], bodies


def hubspot_count(url, email):
    page = audit_get(f"{url}/crm/v3/objects/contacts", limit=100, properties="email")
    return sum(1 for result in page["results"] if result["properties"].get("email") == email)


def refusals_store_nothing(server, agent, platform, body, good_headers, forged):
    """Tampered body, wrong secret, stale timestamp and no signature: 401 and nothing stored."""
    tampered = body.replace(b"example.com", b"example.org")
    for what, (data, headers) in {"tampered": (tampered, good_headers), **forged, "unsigned": (body, {})}.items():
        answer = deliver(server, agent, platform, data, headers)
        assert answer.status_code == 401, (what, answer.status_code, answer.text)
        assert answer.json()["error"]["code"] == "invalid_signature"
    deliveries = server.call("GET", f"/v1/agents/{agent}/webhooks/deliveries").json()["items"]
    refused = deliveries[:len(forged) + 2]
    assert {d["status"] for d in refused} == {"refused"}, refused
    assert {d["reason"] for d in refused} >= {"wrong signature", "no signature", "stale timestamp"}


# Retell ----------------------------------------------------------------------------------------------------------


def retell_call(call_id, email, start_ms, analysis=None):
    """A Retell call object as its get-call API and webhooks carry it (fields as in retell-sdk's PhoneCallResponse)."""
    call = {
        "call_type": "phone_call", "call_id": call_id, "agent_id": "agent_3f2d", "agent_version": 1, "call_status": "ended",
        "direction": "inbound", "from_number": "+14155550142", "to_number": "+14155550100",
        "start_timestamp": start_ms, "end_timestamp": start_ms + 61_000, "disconnection_reason": "user_hangup",
        "transcript": f"Agent: Thanks for calling. Could I have your email?\nUser: Sure, my email is {email}",
        "transcript_object": [
            {"role": "agent", "content": "Thanks for calling. Could I have your email?", "words": [{"word": "Thanks", "start": 0.4, "end": 0.7}]},
            {"role": "user", "content": f"Sure, my email is {email}", "words": [{"word": "Sure", "start": 3.1, "end": 3.3}]},
        ],
        "metadata": {}, "retell_llm_dynamic_variables": {},
    }
    if analysis:
        call["call_analysis"] = analysis
    PhoneCallResponse.model_validate(call)  # the SDK's own type accepts it
    return call


def retell_delivery(event, call, key, timestamp_ms=None):
    body = json.dumps({"event": event, "call": call}, separators=(",", ":"))
    signature = webhook_auth.symmetric["sign"](body, key, timestamp_ms)
    assert webhook_auth.verify(body, key, signature) == (timestamp_ms is None)  # the SDK's verifier agrees
    return body.encode(), {"X-Retell-Signature": signature}


def test_retell_call_ended_then_call_analyzed_make_one_contact_whose_note_carries_the_summary(emulators, tmp_path):
    hubspot = emulators["hubspot"]
    with summary_model() as model:
        retell_flow(hubspot, serve(tmp_path, "retell-key", env=model))


def retell_flow(hubspot, server):
    try:
        server.call("POST", "/v1/agent-fields", json={"key": "company", "label": "Company"})
        agent, action = voice_agent(server, hubspot, "hubspot", "test-retell", [
            {"crmField": "email", "agentField": "email"}, {"crmField": "company", "agentField": "company"},
            {"crmField": "phone", "agentField": "phone"}], extraction="model")
        key = "key_retell_" + uuid.uuid4().hex
        connect(server, agent, "retell", key, [{"key": "company_name", "agentField": "company"}])
        start_ms = int(time.time() * 1000) - 70_000
        email = "ada.retell@example.com"
        call = retell_call("call_retell_1", email, start_ms)
        body, headers = retell_delivery("call_ended", call, key)
        answer = deliver(server, agent, "retell", body, headers)
        assert answer.status_code == 200 and answer.json() == {"status": "accepted", "conversationId": "retell:call_retell_1"}
        # The same delivery again (Retell retries): nothing new.
        again = deliver(server, agent, "retell", body, headers)
        assert again.status_code == 200 and again.json()["status"] == "duplicate"
        wait_until(lambda: len(succeeded_runs(server, action)) == 1, 60, "the run after call_ended")
        properties, notes = hubspot_contact(hubspot, email)
        # The note is there at the end of the call, with the summary the agent's model wrote.
        assert properties["phone"] == "+14155550142" and notes == [SummaryModel.summary]
        time.sleep(5)
        analysis = {"call_summary": "Ada asked about the Pro plan.", "custom_analysis_data": {"company_name": "Acme Rockets"},
                    "call_successful": True, "user_sentiment": "Positive"}
        body, headers = retell_delivery("call_analyzed", retell_call("call_retell_1", email, start_ms, analysis), key)
        assert deliver(server, agent, "retell", body, headers).json()["status"] == "accepted"
        wait_until(lambda: hubspot_contact(hubspot, email)[0].get("company") == "Acme Rockets", 60, "the follow-up after call_analyzed")
        properties, notes = hubspot_contact(hubspot, email)
        # The same note, now with Retell's summary: the platform's wins.
        assert notes == ["Ada asked about the Pro plan."], notes
        assert hubspot_count(hubspot, email) == 1
        runs = server.runs(action)
        assert sorted(run["trigger"] for run in runs) == ["follow_up", "offline"]
        follow_up = next(run for run in runs if run["trigger"] == "follow_up")
        assert follow_up["valueSources"]["company"] == "platform"
        conversation = server.call("GET", "/v1/conversations/retell:call_retell_1").json()
        assert conversation["channel"] == "voice" and conversation["messageCount"] == 2

        # Analysis before the end reaches the same final state.
        late_email = "ada.reversed@example.com"
        analyzed = retell_delivery("call_analyzed", retell_call("call_retell_2", late_email, start_ms, analysis), key)
        ended = retell_delivery("call_ended", retell_call("call_retell_2", late_email, start_ms), key)
        assert deliver(server, agent, "retell", *analyzed).json()["status"] == "accepted"
        assert deliver(server, agent, "retell", *ended).json()["status"] == "accepted"
        wait_until(lambda: len(succeeded_runs(server, action)) == 3, 60, "the reversed call's run")
        time.sleep(1)
        reversed_properties, reversed_notes = hubspot_contact(hubspot, late_email)
        assert {k: reversed_properties.get(k) for k in ("company", "phone")} == {k: properties.get(k) for k in ("company", "phone")}
        assert reversed_notes == notes

        # Refused deliveries store nothing.
        probe = retell_call("call_retell_forged", "eve@example.com", start_ms)
        body, headers = retell_delivery("call_ended", probe, key)
        forged = {
            "wrong secret": retell_delivery("call_ended", probe, "key_someone_else"),
            "stale": retell_delivery("call_ended", probe, key, timestamp_ms=int(time.time() * 1000) - 6 * 60 * 1000),
        }
        refusals_store_nothing(server, agent, "retell", body, headers, forged)
        assert server.call_status("GET", "/v1/conversations/retell:call_retell_forged") == 404
    finally:
        server.stop()


# Vapi ------------------------------------------------------------------------------------------------------------


def vapi_report(call_id, structured):
    """A Vapi end-of-call-report server message (fields as in vapi-server-sdk's ServerMessageEndOfCallReport)."""
    now = time.time()
    message = {
        "type": "end-of-call-report", "endedReason": "customer-ended-call",
        "call": {"id": call_id, "orgId": "org_1", "type": "inboundPhoneCall", "customer": {"number": "+14155550199"},
                 "createdAt": time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime(now - 62)),
                 "updatedAt": time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime(now))},
        "artifact": {"transcript": "AI: Hello.\nUser: This is Grace.", "messages": [
            {"role": "bot", "message": "Hello, who am I speaking with?", "time": (now - 60) * 1000, "secondsFromStart": 0.5},
            {"role": "user", "message": "This is Grace Hopper.", "time": (now - 57) * 1000, "secondsFromStart": 3.2},
        ]},
        "analysis": {"summary": "Grace wants a callback about invoices.", "structuredData": structured, "successEvaluation": "true"},
        "startedAt": time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime(now - 61)),
        "endedAt": time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime(now)), "timestamp": now * 1000,
    }
    ServerMessageEndOfCallReport.model_validate(message)  # the SDK's own type accepts it
    return json.dumps({"message": message}).encode()


def vapi_headers(body, secret, timestamp=None):
    """Vapi's HMAC credential: hex HMAC-SHA256 in x-vapi-signature, over "<timestamp>.<body>" when it sends a timestamp."""
    if timestamp is None:
        return {"x-vapi-signature": hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()}
    payload = f"{timestamp}.".encode() + body
    return {"x-vapi-signature": hmac.new(secret.encode(), payload, hashlib.sha256).hexdigest(), "x-vapi-timestamp": str(timestamp)}


def salesforce_contact(url, email):
    query = f"SELECT Id, Email, FirstName, LastName, Phone, Description FROM Contact WHERE Email = '{email}'"
    return audit_get(f"{url}/services/data/v62.0/query", q=query)["records"]


def test_vapi_end_of_call_report_makes_a_salesforce_contact_with_the_mapped_fields_and_summary(emulators, tmp_path):
    salesforce = emulators["salesforce"]
    server = serve(tmp_path, "vapi-key")
    try:
        agent, action = voice_agent(server, salesforce, "salesforce", "test-vapi", [
            {"crmField": "Email", "agentField": "email"}, {"crmField": "FirstName", "agentField": "first_name"},
            {"crmField": "LastName", "agentField": "last_name"}, {"crmField": "Phone", "agentField": "phone"},
            {"crmField": "Description", "agentField": "summary"}], extraction="off")
        secret = "vapi_" + uuid.uuid4().hex
        connect(server, agent, "vapi", secret, [{"key": "email", "agentField": "email"}, {"key": "firstName", "agentField": "first_name"},
                                                {"key": "lastName", "agentField": "last_name"}])
        body = vapi_report("vapi-call-1", {"email": "grace@example.com", "firstName": "Grace", "lastName": "Hopper", "callbackRequested": True})
        headers = vapi_headers(body, secret, timestamp=int(time.time() * 1000))
        assert deliver(server, agent, "vapi", body, headers).json() == {"status": "accepted", "conversationId": "vapi:vapi-call-1"}
        assert deliver(server, agent, "vapi", body, headers).json()["status"] == "duplicate"
        wait_until(lambda: len(succeeded_runs(server, action)) == 1, 60, "the run after the report")
        records = salesforce_contact(salesforce, "grace@example.com")
        assert len(records) == 1
        assert {k: records[0][k] for k in ("FirstName", "LastName", "Phone", "Description")} == {
            "FirstName": "Grace", "LastName": "Hopper", "Phone": "+14155550199", "Description": "Grace wants a callback about invoices."}
        run = succeeded_runs(server, action)[0]
        assert run["valueSources"]["FirstName"] == "platform" and run["valueSources"]["Description"] == "platform"
        # Without a timestamp header the body alone is signed; a bearer-token credential works too.
        second = vapi_report("vapi-call-2", {"email": "grace@example.com", "firstName": "Grace", "lastName": "Hopper"})
        assert deliver(server, agent, "vapi", second, vapi_headers(second, secret)).json()["status"] == "accepted"
        third = vapi_report("vapi-call-3", {"email": "grace@example.com", "firstName": "Grace", "lastName": "Hopper"})
        assert deliver(server, agent, "vapi", third, {"Authorization": f"Bearer {secret}"}).json()["status"] == "accepted"
        wait_until(lambda: len(succeeded_runs(server, action)) == 3, 60, "the runs of the other two calls")
        assert len(salesforce_contact(salesforce, "grace@example.com")) == 1

        probe = vapi_report("vapi-forged", {"email": "eve@example.com", "lastName": "Eve"})
        forged = {
            "wrong secret": (probe, vapi_headers(probe, "vapi_someone_else")),
            "wrong bearer": (probe, {"Authorization": "Bearer vapi_someone_else"}),
            "stale": (probe, vapi_headers(probe, secret, timestamp=int(time.time() * 1000) - 6 * 60 * 1000)),
        }
        refusals_store_nothing(server, agent, "vapi", probe, vapi_headers(probe, secret), forged)
        assert server.call_status("GET", "/v1/conversations/vapi:vapi-forged") == 404
    finally:
        server.stop()


# ElevenLabs ------------------------------------------------------------------------------------------------------


def elevenlabs_delivery(conversation_id, secret, timestamp=None):
    now = int(time.time())
    body = json.dumps({
        "type": "post_call_transcription", "event_timestamp": now,
        "data": {
            "agent_id": "agent_9x", "conversation_id": conversation_id, "status": "done",
            "transcript": [
                {"role": "agent", "message": "Hi, this is the booking line.", "time_in_call_secs": 0},
                {"role": "user", "message": "Hello, I'd like to book a table.", "time_in_call_secs": 4},
            ],
            "metadata": {"start_time_unix_secs": now - 90, "call_duration_secs": 88,
                         "phone_call": {"direction": "inbound", "external_number": "+442071838750", "agent_number": "+442000000000", "type": "twilio"}},
            "analysis": {"call_successful": "success", "transcript_summary": "Booked a table for four.",
                         "data_collection_results": {
                             "customer_email": {"data_collection_id": "customer_email", "value": "alan@example.com", "rationale": "said it"},
                             "customer_name": {"data_collection_id": "customer_name", "value": "Alan", "rationale": "said it"},
                             "party_size": {"data_collection_id": "party_size", "value": 4, "rationale": "said it"}},
                         "evaluation_criteria_results": {}},
            "conversation_initiation_client_data": {},
        },
    }).encode()
    stamp = timestamp if timestamp is not None else now
    digest = hmac.new(secret.encode(), f"{stamp}.".encode() + body, hashlib.sha256).hexdigest()
    header = f"t={stamp},v0={digest}"
    if timestamp is None:
        WebhooksClient.construct_event(None, body.decode(), header, secret)  # the SDK's verifier accepts it
    return body, {"ElevenLabs-Signature": header}


def test_elevenlabs_post_call_transcription_writes_the_mapped_fields(emulators, tmp_path):
    hubspot = emulators["hubspot"]
    server = serve(tmp_path, "elevenlabs-key")
    try:
        agent, action = voice_agent(server, hubspot, "hubspot", "test-elevenlabs", [
            {"crmField": "email", "agentField": "email"}, {"crmField": "firstname", "agentField": "first_name"},
            {"crmField": "phone", "agentField": "phone"}], extraction="off")
        secret = "wsec_" + uuid.uuid4().hex
        connect(server, agent, "elevenlabs", secret, [{"key": "customer_email", "agentField": "email"},
                                                      {"key": "customer_name", "agentField": "first_name"}])
        body, headers = elevenlabs_delivery("conv_el_1", secret)
        assert deliver(server, agent, "elevenlabs", body, headers).json() == {"status": "accepted", "conversationId": "elevenlabs:conv_el_1"}
        assert deliver(server, agent, "elevenlabs", body, headers).json()["status"] == "duplicate"
        wait_until(lambda: len(succeeded_runs(server, action)) == 1, 60, "the run after the transcription")
        properties, notes = hubspot_contact(hubspot, "alan@example.com")
        assert properties["firstname"] == "Alan" and properties["phone"] == "+442071838750"
        assert len(notes) == 1 and "Booked a table for four." in notes[0]
        assert hubspot_count(hubspot, "alan@example.com") == 1
        assert len(server.runs(action)) == 1

        probe, good = elevenlabs_delivery("conv_el_forged", secret)
        forged = {
            "wrong secret": elevenlabs_delivery("conv_el_forged", "wsec_someone_else"),
            "stale": elevenlabs_delivery("conv_el_forged", secret, timestamp=int(time.time()) - 31 * 60),
        }
        refusals_store_nothing(server, agent, "elevenlabs", probe, good, forged)
        assert server.call_status("GET", "/v1/conversations/elevenlabs:conv_el_forged") == 404
        # A delivery to an agent with no connection is refused the same way (no enumeration).
        other = server.call("POST", "/v1/agents", json={"name": "Unconnected", "channel": "voice"}).json()["id"]
        assert deliver(server, other, "elevenlabs", body, headers).status_code == 401
        assert deliver(server, "agt_missing", "elevenlabs", body, headers).status_code == 401
        assert deliver(server, agent, "elevenlabs", b"{" + b" " * (1 << 20) + b"}", headers).status_code == 413
    finally:
        server.stop()
