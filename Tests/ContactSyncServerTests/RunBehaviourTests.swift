import ContactSyncCore
import ContactSyncRuntime
import Foundation
import Hummingbird
import Testing

@Suite("Runs end to end: notes, values, idempotency, dry runs, retries, contact attributes")
struct RunBehaviourTests {
    @Test("HubSpot: one note per action and conversation, updated by later runs; the summary property only with full updates")
    func hubspotNotes() async throws {
        try await withServer { api in
            let action = try await api.action(.hubspot, allowCreate: true, allowUpdateExisting: true)
            let conversation = try await api.conversation(actions: [action], attributes: ["email": "note@example.com"], summary: "First summary")
            let first = try await api.run(action, conversation: conversation)
            let noteId = try #require(first.string("noteId"))
            let contact = try #require(first.string("crmRecordId"))
            try await api.call(.put, "/v1/conversations/\(conversation)/summary", json: #"{"text":"Second summary"}"#)
            let second = try await api.run(action, conversation: conversation)
            #expect(second.string("noteId") == noteId)
            let record = try await api.record(.hubspot, contact)
            let notes = (((record["associations"] as? [String: Any])?["notes"] as? [String: Any])?["results"] as? [[String: Any]])?.compactMap { $0["id"] as? String }
            #expect(notes == [noteId])
            #expect(record["ai_conversation_summary"] as? String == "Second summary")
            let (_, body) = try await api.emulatorCall(.hubspot, .GET, "/crm/v3/objects/notes/\(noteId)", token: "test-audit")
            #expect(body.contains("Second summary"))
            // A different conversation gets its own note.
            let other = try await api.conversation(actions: [action], attributes: ["email": "note@example.com"], summary: "Other chat")
            #expect(try await api.run(action, conversation: other).string("noteId") != noteId)
        }
    }

    @Test("Salesforce: the summary is truncated to the field's length with a warning")
    func summaryTruncated() async throws {
        try await withServer { api in
            let action = try await api.action(.salesforce, allowCreate: true, allowUpdateExisting: true)
            let long = String(repeating: "s", count: 131_072 + 50)
            let run = try await api.run(action, fields: ["email": "long@example.com", "last_name": "L"], summary: long)
            #expect(run.string("outcome") == "created")
            let warnings = run.json?["warnings"] as? [[String: Any]] ?? []
            #expect(warnings.contains { $0["code"] as? String == "summary_truncated" && $0["field"] as? String == "Conversation_Summary__c" })
            let stored = try await api.record(.salesforce, run.string("crmRecordId")!)["Conversation_Summary__c"] as? String
            #expect(stored?.count == 131_072)
        }
    }

    @Test("picklist values are sent canonically; values outside a restricted picklist are left out with a warning")
    func picklists() async throws {
        try await withServer { api in
            try await api.call(.post, "/v1/fields", json: #"{"key":"channel"}"#)
            let mappings = #"[{"crmField":"Email","agentField":"email"},{"crmField":"LastName","agentField":"last_name"},{"crmField":"Preferred_Channel__c","agentField":"channel"}]"#
            let action = try await api.action(.salesforce, allowCreate: true, allowUpdateExisting: true, mappings: mappings)
            let canonical = try await api.run(action, fields: ["email": "p@example.com", "last_name": "P", "channel": "chat"])
            let id = try #require(canonical.string("crmRecordId"))
            #expect(try await api.record(.salesforce, id)["Preferred_Channel__c"] as? String == "Chat")
            let skipped = try await api.run(action, fields: ["email": "p@example.com", "last_name": "Q", "channel": "Carrier pigeon"])
            #expect(skipped.string("outcome") == "updated")
            let skip = (skipped.json?["fieldsSkipped"] as? [[String: Any]])?.first
            #expect(skip?["crmField"] as? String == "Preferred_Channel__c")
            #expect(skip?["reason"] as? String == "invalid_picklist_value")
            #expect(skip?["detail"] as? String == "allowed: Email, Phone, Chat")
            let record = try await api.record(.salesforce, id)
            #expect(record["Preferred_Channel__c"] as? String == "Chat")
            #expect(record["LastName"] as? String == "Q")
        }
    }

    @Test("a blank value never overwrites; case and whitespace variants of an email find the same contact", arguments: Scenario.both)
    func blanksAndEmailVariants(s: Scenario) async throws {
        try await withServer { api in
            let action = try await api.action(s, allowCreate: true, allowUpdateExisting: true)
            let id = try #require(try await api.run(action, fields: ["email": "jane@example.com", "first_name": "Jane", "last_name": "Doe"]).string("crmRecordId"))
            let blank = try await api.run(action, fields: ["email": "  JANE@Example.COM ", "first_name": "   ", "last_name": ""])
            #expect(blank.string("outcome") == "updated")
            #expect(blank.string("crmRecordId") == id)
            let record = try await api.record(s.crm, id)
            #expect(record[s.firstName] as? String == "Jane")
            #expect(record[s.lastName] as? String == "Doe")
            #expect(try await api.contactCount(s.crm) == 1)
        }
    }

    @Test("a run follows its action as last edited: creation turned on takes effect at the next run", arguments: Scenario.both)
    func editedAction(s: Scenario) async throws {
        try await withServer { api in
            let action = try await api.action(s, allowCreate: false, allowUpdateExisting: false)
            let account = try await api.accountId(ofAction: action)
            let fields = ["email": "edited@example.com", "first_name": "Eda", "last_name": "Ted"]
            let refused = try await api.run(action, fields: fields)
            #expect(refused.string("outcome") == "skipped")
            #expect(refused.string("reason") == "creation_disabled")
            let edited = #"{"template":"\#(s.template)","name":"Save contact","intent":"Use when the customer shares contact details","accountId":"\#(account)","allowCreate":true,"allowUpdateExisting":false,"mappings":\#(s.mappings)}"#
            #expect(try await api.call(.put, "/v1/actions/\(action)", json: edited).status == .ok)
            let created = try await api.run(action, fields: fields)
            #expect(created.string("outcome") == "created")
            #expect(try await api.contactCount(s.crm) == 1)
        }
    }

    @Test("an Idempotency-Key answers the first run again; reused with another body it is 422")
    func idempotency() async throws {
        try await withServer { api in
            let action = try await api.action(.salesforce, allowCreate: true, allowUpdateExisting: true)
            let first = try await api.run(action, fields: ["email": "i@example.com", "last_name": "I"], idempotencyKey: "key-1")
            let writes = try await api.writeCount(.salesforce)
            let again = try await api.run(action, fields: ["email": "i@example.com", "last_name": "I"], idempotencyKey: "key-1")
            #expect(again.string("id") == first.string("id"))
            #expect(try await api.writeCount(.salesforce) == writes)
            let mismatch = try await api.run(action, fields: ["email": "other@example.com", "last_name": "I"], idempotencyKey: "key-1")
            #expect(mismatch.status == .unprocessableContent)
            #expect(mismatch.errorCode == "idempotency_key_mismatch")
        }
    }

    @Test("a dry run looks up and decides but writes nothing", arguments: Scenario.both)
    func dryRun(s: Scenario) async throws {
        try await withServer { api in
            let action = try await api.action(s, allowCreate: true, allowUpdateExisting: true)
            let run = try await api.run(action, fields: ["email": "dry@example.com", "last_name": "D"], summary: "S", dryRun: true)
            #expect(run.json?["dryRun"] as? Bool == true)
            #expect(run.string("outcome") == "created")
            #expect(run.string("status") == "succeeded")
            #expect(try await api.writeCount(s.crm) == 0)
            #expect(try await api.contactCount(s.crm) == 0)
        }
    }

    @Test("a failed run keeps the CRM's error and can be retried to success; only failed runs can be retried")
    func retry() async throws {
        // Without a retry window, a run that failed for a transient cause waits for an operator's retry.
        try await withServer(configure: {
            $0.services.crmRetry = RetryPolicy(maxAttempts: 2, backoff: Backoff(base: .milliseconds(1), max: .milliseconds(5)))
            $0.services.runs.retryWindow = 0
        }) { api in
            let action = try await api.action(.salesforce, allowCreate: true, allowUpdateExisting: true)
            _ = try await api.run(action, fields: ["email": "warm@example.com", "last_name": "W"])
            try await api.emulator(api.salesforceURL, .POST, "/_emulator/faults", json: #"{"rate5xx":1}"#)
            let failed = try await api.run(action, fields: ["email": "r@example.com", "last_name": "R"])
            #expect(failed.string("status") == "failed")
            #expect(failed.json?["outcome"] is NSNull)
            let error = try #require(failed.json?["error"] as? [String: Any])
            #expect(error["code"] as? String == "crm_unavailable")
            #expect(error["crmCode"] as? String == "SERVER_UNAVAILABLE")
            #expect(error["retryable"] as? Bool == true)
            try await api.emulator(api.salesforceURL, .POST, "/_emulator/faults", json: "{}")
            let retried = try await api.call(.post, "/v1/runs/\(failed.string("id")!)/retry")
            #expect(retried.string("status") == "succeeded")
            #expect(retried.string("outcome") == "created")
            #expect(retried.json?["attempts"] as? Int == 2)
            #expect(retried.string("id") == failed.string("id"))
            let again = try await api.call(.post, "/v1/runs/\(failed.string("id")!)/retry")
            #expect(again.status == .conflict)
            #expect(again.errorCode == "not_retryable")
        }
    }

    @Test("CRM errors keep the CRM's code: the daily API limit, a transient cause, leaves the run pending for the background")
    func crmErrorKept() async throws {
        try await withServer { api in
            let action = try await api.action(.salesforce, allowCreate: true, allowUpdateExisting: true)
            _ = try await api.run(action, fields: ["email": "warm@example.com", "last_name": "W"])
            try await api.emulator(api.salesforceURL, .POST, "/_emulator/limits", json: #"{"dailyApiRequests":1}"#)
            let run = try await api.run(action, fields: ["email": "late@example.com", "last_name": "L"])
            #expect(run.string("status") == "pending")
            #expect(run.string("nextAttemptAt") != nil)
            let error = try #require(run.json?["error"] as? [String: Any])
            #expect(error["code"] as? String == "daily_limit_exceeded")
            #expect(error["crmCode"] as? String == "REQUEST_LIMIT_EXCEEDED")
            #expect((error["message"] as? String)?.isEmpty == false)
        }
    }

    @Test("contact attributes are remembered per customer, fill mappings in a later conversation, and a new value replaces the old", arguments: Scenario.both)
    func contactAttributes(scenario: Scenario) async throws {
        try await withServer { api in
            try await api.call(.post, "/v1/fields", json: #"{"key":"company_size","label":"Company size","contactAttribute":true}"#)
            let field = scenario.crm == .hubspot ? "company" : "Title"
            let mappings = #"[{"crmField":"\#(scenario.email)","agentField":"email"},{"crmField":"\#(scenario.lastName)","agentField":"last_name"},{"crmField":"\#(field)","agentField":"company_size"}]"#
            let action = try await api.action(scenario, allowCreate: true, allowUpdateExisting: true, mappings: mappings)
            _ = try await api.conversation(actions: [action], attributes: ["email": "Ada@Example.com", "company_size": "51-200"])
            let later = try await api.conversation(actions: [action], attributes: ["email": "ada@example.com", "last_name": "Lovelace"])
            let run = try await api.run(action, conversation: later)
            #expect(run.json?["fieldsWritten"] as? [String] == [scenario.email, scenario.lastName, field])
            let id = try #require(run.string("crmRecordId"))
            #expect(try await api.record(scenario.crm, id)[field] as? String == "51-200")
            // A later conversation's value replaces the remembered one; the one after that is filled with it.
            _ = try await api.conversation(actions: [action], attributes: ["email": "ada@example.com", "company_size": "201-500"])
            let latest = try await api.conversation(actions: [action], attributes: ["email": "ada@example.com", "last_name": "Lovelace"])
            let again = try await api.run(action, conversation: latest)
            #expect(again.string("crmRecordId") == id)
            #expect(try await api.record(scenario.crm, id)[field] as? String == "201-500")
        }
    }

    @Test("runs: unknown action 404, unknown conversation 404 conversation_not_found; history filters and pages")
    func history() async throws {
        try await withServer { api in
            let action = try await api.action(.hubspot, allowCreate: true, allowUpdateExisting: true)
            #expect(try await api.run("act_nope").status == .notFound)
            let unknown = try await api.run(action, conversation: "no-such-chat")
            #expect(unknown.status == .notFound)
            #expect(unknown.errorCode == "conversation_not_found")
            let conversation = try await api.conversation(actions: [action], attributes: ["email": "h@example.com"])
            for _ in 0..<3 { _ = try await api.run(action, conversation: conversation) }
            _ = try await api.run(action, fields: ["first_name": "no email"])
            #expect(try await api.call(.get, "/v1/runs?conversationId=\(conversation)").items.count == 3)
            #expect(try await api.call(.get, "/v1/runs?actionId=\(action)").items.count == 4)
            #expect(try await api.call(.get, "/v1/runs?status=succeeded").items.count == 4)
            #expect(try await api.call(.get, "/v1/runs?status=failed").items.isEmpty)
            #expect(try await api.call(.get, "/v1/runs?status=nope").errorCode == "invalid_request")
            let page = try await api.call(.get, "/v1/runs?limit=2")
            #expect(page.items.count == 2)
            let next = try await api.call(.get, "/v1/runs?limit=2&cursor=\(page.string("nextCursor")!)")
            #expect(next.items.count == 2)
            let id = try #require(page.items.first?["id"] as? String)
            #expect(try await api.call(.get, "/v1/runs/\(id)").string("id") == id)
            #expect(try await api.call(.get, "/v1/runs/run_nope").status == .notFound)
            #expect(try await api.call(.post, "/v1/runs/run_nope/retry").status == .notFound)
        }
    }
}
