import ContactSyncCore
import ContactSyncRuntime
import ContactSyncTestSupport
import Foundation
import Testing

/// Matching by phone (`match` `email_then_phone`, DESIGN §2.5): with no email, or no contact with it, the
/// E.164 phone number finds the contact through the CRM's own phone search; several are never guessed between.
@Suite("Match by phone: the caller's number finds the contact")
struct PhoneMatchTests {
    static let crms: [CRM] = [.hubspot, .salesforce]

    static func names(_ crm: CRM) -> (email: String, firstName: String, lastName: String, phone: String) {
        crm == .hubspot ? ("email", "firstname", "lastname", "phone") : ("Email", "FirstName", "LastName", "Phone")
    }

    /// An action matching by email, then phone, with the phone mapped.
    static func phoneAction(_ rt: Runtime, _ crm: CRM, offline: Bool = false, allowUpdateExisting: Bool = true) async throws -> String {
        let account = try await rt.account(crm)
        let n = names(crm)
        let draft = Action(
            id: "", template: crm == .hubspot ? "hubspot.upsert_contact" : "salesforce.upsert_contact", name: "By phone \(UUID().uuidString.prefix(6))",
            intent: "sync", offlineSync: offline, accountId: account, allowCreate: true, allowUpdateExisting: allowUpdateExisting,
            mappings: [
                FieldMapping(crmField: n.email, agentField: "email"), FieldMapping(crmField: n.firstName, agentField: "first_name"),
                FieldMapping(crmField: n.lastName, agentField: "last_name"), FieldMapping(crmField: n.phone, agentField: "phone"),
            ],
            match: .emailThenPhone)
        return try await rt.configuration.createAction(draft).action.id
    }

    /// A contact someone made in the CRM with this phone number, written as given.
    static func handMade(_ rt: Runtime, _ crm: CRM, phone: String, email: String? = nil) async throws -> String {
        let emailJSON = email.map { crm == .hubspot ? #","email":"\#($0)""# : #","Email":"\#($0)""# } ?? ""
        let (status, body) = crm == .hubspot
            ? try await rt.emulator(.hubspot, .POST, "/crm/v3/objects/contacts", json: #"{"properties":{"phone":"\#(phone)","firstname":"Hand"\#(emailJSON)}}"#)
            : try await rt.emulator(.salesforce, .POST, "/services/data/v62.0/sobjects/Contact", json: #"{"Phone":"\#(phone)","LastName":"Hand"\#(emailJSON)}"#)
        guard status == 201, let id = body["id"] as? String else { throw RuntimeTestError.unexpected("create answered \(status)") }
        return id
    }

    static func run(_ rt: Runtime, _ action: String, _ fields: [String: String]) async throws -> RunRecord {
        try await rt.engine.run(RunEngine.Request(actionId: action, conversationId: nil, input: RunInput(fields: fields)))
    }

    @Test("a caller is found by phone in three written forms: \"+1 415-555-0142\", \"(415) 555-0142\", \"4155550142\"", arguments: Backend.available, crms)
    func threeWrittenForms(backend: Backend, crm: CRM) async throws {
        try await withRuntime(backend) { rt in
            let action = try await Self.phoneAction(rt, crm)
            let forms = ["+1 415-555-01%02d", "(415) 555-01%02d", "41555501%02d"]
            for (index, stored) in forms.enumerated() {
                // Stored in one form, said in the next.
                let contact = try await Self.handMade(rt, crm, phone: String(format: stored, 40 + index))
                let said = String(format: forms[(index + 1) % forms.count], 40 + index)
                let run = try await Self.run(rt, action, ["phone": said, "first_name": "Pat", "last_name": "Caller"])
                #expect(run.status == .succeeded)
                #expect(run.result?.outcome == .updated, "\(said) did not find \(String(format: stored, 40 + index))")
                #expect(run.result?.crmRecordId == contact)
                #expect(run.result?.matchedBy == .phone)
                #expect(try await rt.contactField(crm, id: contact, field: Self.names(crm).firstName) == "Pat")
            }
        }
    }

    @Test("ambiguousPhone: two contacts with one phone number are never guessed between; nothing is written", arguments: Backend.available, crms)
    func ambiguousPhone(backend: Backend, crm: CRM) async throws {
        try await withRuntime(backend) { rt in
            let action = try await Self.phoneAction(rt, crm)
            let first = try await Self.handMade(rt, crm, phone: "+1 415 555 0150")
            let second = try await Self.handMade(rt, crm, phone: "(415) 555-0150")
            let writes = try await rt.writeCount(crm)
            let run = try await Self.run(rt, action, ["phone": "4155550150", "first_name": "Pat", "last_name": "Caller"])
            #expect(run.result?.outcome == .skipped && run.result?.reason == .ambiguousPhone)
            #expect(Set(run.result?.warnings.first?.ids ?? []) == [first, second])
            #expect(try await rt.writeCount(crm) == writes)
            // An email settles it: the contact holding it is used.
            let emailed = try await Self.handMade(rt, crm, phone: "415-555-0150", email: "pat@example.com")
            let settled = try await Self.run(rt, action, ["email": "pat@example.com", "phone": "4155550150", "first_name": "Pat", "last_name": "Caller"])
            #expect(settled.result?.outcome == .updated && settled.result?.crmRecordId == emailed && settled.result?.matchedBy == .email)
        }
    }

    @Test("no email and no match: created with the phone; the email that arrives later updates that contact, as ours", arguments: Backend.available, crms)
    func createdByPhoneThenEmail(backend: Backend, crm: CRM) async throws {
        try await withRuntime(backend) { rt in
            let action = try await Self.phoneAction(rt, crm, offline: true, allowUpdateExisting: false)
            let agent = try await rt.agent(.voice, actions: [action])
            let call = try await rt.conversation(agent: agent, attributes: ["phone": "(415) 555-0160", "first_name": "Ada", "last_name": "Caller"])
            _ = try await rt.conversations.end(conversationId: call)
            try await rt.offline.tick()
            let first = try #require(try await rt.runs(conversation: call).first)
            #expect(first.result?.outcome == .created && first.result?.matchedBy == nil)
            let id = try #require(first.result?.crmRecordId)
            #expect(try await rt.contactField(crm, id: id, field: Self.names(crm).phone).map { $0.filter(\.isNumber).hasSuffix("4155550160") } == true)
            rt.clock.advance(3)
            _ = try await rt.conversations.mergeAttributes(conversationId: call, ["email": "ada.caller@example.com"])
            rt.clock.advance(3)
            try await rt.offline.tick()
            let followUp = try #require(try await rt.runs(conversation: call).first { $0.trigger == .followUp })
            #expect(followUp.status == .succeeded && followUp.result?.crmRecordId == id)
            #expect(try await rt.contactField(crm, id: id, field: Self.names(crm).email) == "ada.caller@example.com")
            #expect(try await rt.contacts(crm, email: "ada.caller@example.com") == [id])
            // Ours: a later run by phone updates it even with "updating existing fields" off.
            let again = try await Self.run(rt, action, ["phone": "4155550160", "first_name": "Ada", "last_name": "Lovelace"])
            #expect(again.result?.outcome == .updated && again.result?.crmRecordId == id)
        }
    }

    @Test("a contact made from a phone number alone carries it, even where the action maps no phone field", arguments: Backend.available, crms)
    func createdContactCarriesThePhone(backend: Backend, crm: CRM) async throws {
        try await withRuntime(backend) { rt in
            let account = try await rt.account(crm)
            let n = Self.names(crm)
            let draft = Action(
                id: "", template: crm == .hubspot ? "hubspot.upsert_contact" : "salesforce.upsert_contact", name: "Unmapped phone",
                intent: "sync", offlineSync: false, accountId: account, allowCreate: true, allowUpdateExisting: false,
                mappings: [FieldMapping(crmField: n.email, agentField: "email"), FieldMapping(crmField: n.lastName, agentField: "last_name")],
                match: .emailThenPhone)
            let action = try await rt.configuration.createAction(draft).action.id
            let created = try await Self.run(rt, action, ["phone": "(415) 555-0180", "last_name": "Caller"])
            let id = try #require(created.result?.crmRecordId)
            #expect(created.result?.outcome == .created)
            #expect(try await rt.contactField(crm, id: id, field: n.phone) == "+14155550180")
            let again = try await Self.run(rt, action, ["phone": "415.555.0180", "last_name": "Caller"])
            #expect(again.result?.crmRecordId == id && again.result?.matchedBy == .phone)
        }
    }

    @Test("the default matches by email only: a phone alone is a missing email", arguments: Backend.available, crms)
    func defaultMatchesByEmailOnly(backend: Backend, crm: CRM) async throws {
        try await withRuntime(backend) { rt in
            let account = try await rt.account(crm)
            let action = try await rt.action(crm, account: account, offline: false)
            _ = try await Self.handMade(rt, crm, phone: "4155550170")
            let run = try await Self.run(rt, action, ["phone": "4155550170", "first_name": "Pat", "last_name": "Caller"])
            #expect(run.result?.outcome == .skipped && run.result?.reason == .missingEmail && run.result?.matchedBy == nil)
        }
    }
}
