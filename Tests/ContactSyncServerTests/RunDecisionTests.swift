import ContactSyncCore
import Foundation
import Hummingbird
import Testing

/// Every row of ARCHITECTURE §3, step 4, end to end through the REST API against the emulators.
@Suite("Runs end to end: the decision table")
struct RunDecisionTests {
    @Test("no contact, create ON: created with every mapped value and the summary field", arguments: Scenario.both)
    func createdWhenAllowed(s: Scenario) async throws {
        try await withServer { api in
            let action = try await api.action(s, allowCreate: true, allowUpdateExisting: false)
            let conversation = try await api.conversation(actions: [action], attributes: ["email": "new@example.com", "first_name": "Nia", "last_name": "New"], summary: "First contact.")
            let run = try await api.run(action, conversation: conversation)
            #expect(run.string("status") == "succeeded")
            #expect(run.string("outcome") == "created")
            #expect(run.json?["fieldsWritten"] as? [String] == [s.email, s.firstName, s.lastName, s.summaryField])
            let id = try #require(run.string("crmRecordId"))
            #expect(run.string("crmRecordURL")?.contains(id) == true)
            let record = try await api.record(s.crm, id)
            #expect(record[s.firstName] as? String == "Nia")
            #expect(record[s.summaryField] as? String == "First contact.")
            #expect((run.json?["roundTrips"] as? Int ?? 9) <= (s.crm == .hubspot ? 3 : 2))
        }
    }

    @Test("no contact, create OFF: skipped creation_disabled, nothing written", arguments: Scenario.both)
    func skippedWhenCreationDisabled(s: Scenario) async throws {
        try await withServer { api in
            let action = try await api.action(s, allowCreate: false, allowUpdateExisting: true)
            let run = try await api.run(action, fields: ["email": "nobody@example.com", "last_name": "N"], summary: "s")
            #expect(run.string("status") == "succeeded")
            #expect(run.string("outcome") == "skipped")
            #expect(run.string("reason") == "creation_disabled")
            #expect(try await api.contactCount(s.crm) == 0)
        }
    }

    @Test("a contact contact-sync created, create ON: updated even with updates of existing fields OFF", arguments: Scenario.both)
    func oursUpdated(s: Scenario) async throws {
        try await withServer { api in
            let action = try await api.action(s, allowCreate: true, allowUpdateExisting: false)
            let first = try await api.run(action, fields: ["email": "ours@example.com", "first_name": "Old", "last_name": "L"])
            let id = try #require(first.string("crmRecordId"))
            let second = try await api.run(action, fields: ["email": "ours@example.com", "first_name": "New", "last_name": "L"], summary: "Again")
            #expect(second.string("outcome") == "updated")
            #expect(second.string("crmRecordId") == id)
            #expect(try await api.record(s.crm, id)[s.firstName] as? String == "New")
            #expect(try await api.contactCount(s.crm) == 1)
        }
    }

    @Test("a contact not ours, updates ON: updated with every mapped value", arguments: Scenario.both)
    func theirsUpdatedWhenAllowed(s: Scenario) async throws {
        try await withServer { api in
            let action = try await api.action(s, allowCreate: false, allowUpdateExisting: true)
            let id = try await api.foreignContact(s, email: "theirs@example.com")
            let run = try await api.run(action, fields: ["email": "theirs@example.com", "first_name": "Changed", "last_name": "L"], summary: "Note")
            #expect(run.string("outcome") == "updated")
            #expect(run.string("crmRecordId") == id)
            let record = try await api.record(s.crm, id)
            #expect(record[s.firstName] as? String == "Changed")
            #expect(record[s.summaryField] as? String == "Note")
        }
    }

    @Test("ours but create OFF, updates ON: updated", arguments: Scenario.both)
    func oursWithCreateOffUpdated(s: Scenario) async throws {
        try await withServer { api in
            let creator = try await api.action(s, allowCreate: true, allowUpdateExisting: false)
            let id = try #require(try await api.run(creator, fields: ["email": "mine@example.com", "last_name": "L"]).string("crmRecordId"))
            let account = try await api.accountId(ofAction: creator)
            let updater = try await api.action(s, allowCreate: false, allowUpdateExisting: true, account: account, name: "Update only")
            let run = try await api.run(updater, fields: ["email": "mine@example.com", "first_name": "Set", "last_name": "L"])
            #expect(run.string("outcome") == "updated")
            #expect(try await api.record(s.crm, id)[s.firstName] as? String == "Set")
        }
    }

    @Test("not ours (or ours with create OFF), updates OFF: only the summary; skipped updates_disabled without one", arguments: Scenario.both)
    func summaryOnly(s: Scenario) async throws {
        try await withServer { api in
            let action = try await api.action(s, allowCreate: true, allowUpdateExisting: false)
            let id = try await api.foreignContact(s, email: "guarded@example.com", firstName: "Keep")
            let run = try await api.run(action, fields: ["email": "guarded@example.com", "first_name": "Overwrite", "last_name": "L"], summary: "Only this.")
            #expect(run.string("outcome") == "summary_only")
            let record = try await api.record(s.crm, id)
            #expect(record[s.firstName] as? String == "Keep")
            switch s.crm {
            case .salesforce:
                #expect(record[s.summaryField] as? String == "Only this.")
                #expect(run.json?["fieldsWritten"] as? [String] == [s.summaryField])
            case .hubspot:
                #expect(record[s.summaryField] == nil || record[s.summaryField] is NSNull)
                #expect(run.string("noteId") != nil)
            }
            let none = try await api.run(action, fields: ["email": "guarded@example.com", "first_name": "X", "last_name": "L"])
            #expect(none.string("outcome") == "skipped")
            #expect(none.string("reason") == "updates_disabled")

            let creatorOff = try await api.action(s, allowCreate: false, allowUpdateExisting: false, account: try await api.accountId(ofAction: action), name: "Off")
            let oursId = try #require(try await api.run(action, fields: ["email": "made@example.com", "last_name": "M"]).string("crmRecordId"))
            let restricted = try await api.run(creatorOff, fields: ["email": "made@example.com", "first_name": "No"], summary: "S")
            #expect(restricted.string("outcome") == "summary_only")
            let untouched = try await api.record(s.crm, oursId)[s.firstName]
            #expect(untouched == nil || untouched is NSNull)
        }
    }

    @Test("missing and malformed emails are skipped with no CRM call", arguments: Scenario.both)
    func emailSkips(s: Scenario) async throws {
        try await withServer { api in
            let action = try await api.action(s, allowCreate: true, allowUpdateExisting: true)
            let missing = try await api.run(action, fields: ["first_name": "No email"])
            #expect(missing.string("reason") == "missing_email")
            #expect(missing.json?["crmCalls"] as? Int == 0)
            let invalid = try await api.run(action, fields: ["email": "not an email"])
            #expect(invalid.string("reason") == "invalid_email")
            #expect(invalid.json?["crmCalls"] as? Int == 0)
        }
    }

    @Test("Salesforce: a create without LastName is skipped missing_required_value, naming the field")
    func missingRequired() async throws {
        try await withServer { api in
            let action = try await api.action(.salesforce, allowCreate: true, allowUpdateExisting: true)
            let run = try await api.run(action, fields: ["email": "nolast@example.com"])
            #expect(run.string("reason") == "missing_required_value")
            #expect(run.string("reasonDetail") == "LastName")
            #expect(try await api.contactCount(.salesforce) == 0)
        }
    }
}
