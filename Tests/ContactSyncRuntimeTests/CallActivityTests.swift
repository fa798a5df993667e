import ContactSyncCore
import ContactSyncRuntime
import ContactSyncTestSupport
import Foundation
import Testing

/// A conversation logged as a call (`logAs`, DESIGN §2.5): a HubSpot Call engagement or a Salesforce Task of
/// subtype Call on the contact, one per action and conversation, updated in place by follow-ups.
@Suite("Log as a call: a HubSpot Call, a Salesforce Task")
struct CallActivityTests {
    static let crms: [CRM] = [.hubspot, .salesforce]
    static let facts = CallFacts(direction: "inbound", startedAt: Date(timeIntervalSince1970: 1_764_936_000), durationSeconds: 61, from: "+14155550142", to: "+14155550100")

    static func callAction(_ rt: Runtime, _ crm: CRM, allowUpdateExisting: Bool = true) async throws -> String {
        let account = try await rt.account(crm)
        let names = crm == .hubspot ? ("email", "firstname", "lastname") : ("Email", "FirstName", "LastName")
        var mappings = [
            FieldMapping(crmField: names.0, agentField: "email"), FieldMapping(crmField: names.1, agentField: "first_name"),
            FieldMapping(crmField: names.2, agentField: "last_name"),
        ]
        if crm == .salesforce { mappings.append(FieldMapping(crmField: "Conversation_Summary__c", agentField: "summary")) }
        let draft = Action(
            id: "", template: crm == .hubspot ? "hubspot.upsert_contact" : "salesforce.upsert_contact", name: "Calls \(UUID().uuidString.prefix(6))",
            intent: "sync", offlineSync: true, accountId: account, allowCreate: true, allowUpdateExisting: allowUpdateExisting, mappings: mappings,
            logAs: crm == .hubspot ? .call : .task)
        return try await rt.configuration.createAction(draft).action.id
    }

    /// The activity as the emulator holds it: body, and the facts each CRM keeps.
    static func activity(_ rt: Runtime, _ crm: CRM, _ id: String) async throws -> [String: String] {
        if crm == .hubspot {
            let properties = "hs_call_body,hs_call_direction,hs_call_duration,hs_call_status,hs_call_from_number,hs_call_to_number"
            let body = try await rt.emulator(.hubspot, .GET, "/crm/v3/objects/calls/\(id)?properties=\(properties)&associations=contacts", token: "test-audit").1
            var found = (body["properties"] as? [String: Any] ?? [:]).compactMapValues { $0 as? String }
            found["contact"] = (((body["associations"] as? [String: Any])?["contacts"] as? [String: Any])?["results"] as? [[String: Any]])?.first?["id"] as? String
            return found
        }
        let body = try await rt.emulator(.salesforce, .GET, "/services/data/v62.0/sobjects/Task/\(id)", token: "test-audit").1
        var found = body.compactMapValues { $0 as? String }
        found["CallDurationInSeconds"] = (body["CallDurationInSeconds"] as? Int).map(String.init)
        return found
    }

    /// How many activities the contact has.
    static func activityCount(_ rt: Runtime, _ crm: CRM, contact: String) async throws -> Int {
        if crm == .hubspot {
            let body = try await rt.emulator(.hubspot, .GET, "/crm/v4/objects/contacts/\(contact)/associations/calls", token: "test-audit").1
            return (body["results"] as? [Any])?.count ?? 0
        }
        let soql = "SELECT Id FROM Task WHERE WhoId = '\(contact)'".addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? ""
        return (try await rt.emulator(.salesforce, .GET, "/services/data/v62.0/query?q=\(soql)", token: "test-audit").1["totalSize"] as? Int) ?? 0
    }

    @Test("a voice conversation is logged as one call, with its facts, and a late summary updates it in place", arguments: Backend.available, crms)
    func loggedOnceUpdatedInPlace(backend: Backend, crm: CRM) async throws {
        try await withRuntime(backend) { rt in
            let action = try await Self.callAction(rt, crm)
            let call = try await rt.conversation(
                agent: try await rt.agent(.voice, actions: [action]), attributes: ["email": "caller@example.com", "last_name": "Caller"], summary: "Asked about plans.")
            _ = try await rt.conversations.end(conversationId: call, call: Self.facts)
            try await rt.offline.tick()
            let first = try #require(try await rt.runs(conversation: call).first)
            #expect(first.status == .succeeded && first.result?.outcome == .created)
            let contact = try #require(first.result?.crmRecordId)
            let activityId = try #require(first.result?.activityId)
            #expect(first.result?.noteId == nil)
            let logged = try await Self.activity(rt, crm, activityId)
            if crm == .hubspot {
                #expect(logged["hs_call_body"] == "Asked about plans." && logged["hs_call_status"] == "COMPLETED" && logged["hs_call_direction"] == "INBOUND")
                #expect(logged["hs_call_duration"] == "61000" && logged["hs_call_from_number"] == "+14155550142" && logged["contact"] == contact)
                #expect(try await rt.noteCount(contact: contact) == 0, "a call instead of a note")
            } else {
                #expect(logged["Description"] == "Asked about plans." && logged["Status"] == "Completed" && logged["TaskSubtype"] == "Call")
                #expect(logged["WhoId"] == contact && logged["CallType"] == "Inbound" && logged["CallDurationInSeconds"] == "61")
                #expect(logged["ActivityDate"] == "2025-12-05")
                #expect(try await rt.contactField(crm, id: contact, field: "Conversation_Summary__c") == "Asked about plans.", "the summary field too")
            }
            rt.clock.advance(3)
            _ = try await rt.conversations.setSummary(conversationId: call, text: "Wants the Pro plan.")
            rt.clock.advance(3)
            try await rt.offline.tick()
            let followUp = try #require(try await rt.runs(conversation: call).first { $0.trigger == .followUp })
            #expect(followUp.status == .succeeded && followUp.result?.activityId == activityId)
            let updated = try await Self.activity(rt, crm, activityId)
            #expect(updated[crm == .hubspot ? "hs_call_body" : "Description"] == "Wants the Pro plan.")
            #expect(try await Self.activityCount(rt, crm, contact: contact) == 1)
        }
    }

    @Test("with updating existing fields off, an existing contact still gets the call: it carries the summary", arguments: Backend.available, crms)
    func writtenWithUpdatesOff(backend: Backend, crm: CRM) async throws {
        try await withRuntime(backend) { rt in
            let action = try await Self.callAction(rt, crm, allowUpdateExisting: false)
            let contact = try await rt.contact(crm, email: "known@example.com", firstName: "Known", token: "test-someone-else")
            let call = try await rt.conversation(
                agent: try await rt.agent(.voice, actions: [action]), attributes: ["email": "known@example.com", "first_name": "Other"], summary: "Called back.")
            _ = try await rt.conversations.end(conversationId: call)
            try await rt.offline.tick()
            let run = try #require(try await rt.runs(conversation: call).first)
            #expect(run.result?.outcome == .summaryOnly && run.result?.crmRecordId == contact)
            let activityId = try #require(run.result?.activityId)
            #expect(try await Self.activity(rt, crm, activityId)[crm == .hubspot ? "hs_call_body" : "Description"] == "Called back.")
            #expect(try await rt.contactField(crm, id: contact, field: crm == .hubspot ? "firstname" : "FirstName") == "Known")
        }
    }

    @Test("a batch of 150 calls logs its activities through the batch endpoints", arguments: Backend.available, crms)
    func batchedActivities(backend: Backend, crm: CRM) async throws {
        try await withRuntime(backend) { rt in
            let action = try await Self.callAction(rt, crm)
            let agent = try await rt.agent(.voice, actions: [action])
            for index in 0..<150 {
                let call = try await rt.conversation(agent: agent, attributes: ["email": "b\(index)@example.com", "last_name": "B"], summary: "Call \(index).")
                _ = try await rt.conversations.end(conversationId: call, call: Self.facts)
            }
            while try await rt.offline.tick() > 0 {}
            let routes = try await rt.emulator(crm, .GET, "/_emulator/requests").1["byRoute"] as? [String: Int] ?? [:]
            if crm == .hubspot {
                #expect(routes["POST /crm/v3/objects/calls/batch/create"] == 2, "\(routes)")
                #expect(routes["POST /crm/v3/objects/calls"] == nil)
            } else {
                // Contacts and tasks: 150 of each in collections of 200.
                #expect((routes["POST /services/data/{version}/composite/sobjects"] ?? 0) <= 2, "\(routes)")
                #expect(routes["POST /services/data/{version}/sobjects/{object}"] == nil)
            }
        }
    }
}
