import ContactSyncCore
@testable import ContactSyncCRM
import Foundation
import Testing

@Suite("HubSpot connector against the emulator")
struct HubSpotConnectorTests {
    @Test("verify reads the hub and app ids; fields map to mappability; metadata is cached")
    func verifyAndFields() async throws {
        let harness = try await Harness.hubspot()
        let connector = hubspotConnector(harness)
        let identity = try await connector.verify(log: nil)
        #expect(identity.accountId == "20260001")
        #expect(identity.appId != nil)
        let fields = Dictionary(uniqueKeysWithValues: try await connector.contactFields(log: nil).map { ($0.name, $0) })
        #expect(fields["ai_conversation_summary"]?.isMappable(in: .hubspot) == true)
        #expect(fields["email"]?.isMappable(in: .hubspot) == true)
        #expect(fields["phone"]?.isMappable(in: .hubspot) == true)
        #expect(fields["preferred_language"]?.notMappableReason(in: .hubspot) == .unsupportedType)
        #expect(fields["preferred_language"]?.picklistValues == ["en", "de", "fr", "es"])
        #expect(fields["hs_object_source_id"]?.notMappableReason(in: .hubspot) == .readOnly)
        #expect(fields["hs_email_domain"]?.notMappableReason(in: .hubspot) == .calculated)
        #expect(fields["ai_conversation_summary"]?.custom == true && fields["email"]?.custom == false)
        _ = try await connector.contactFields(log: nil)
        #expect(try await harness.count("GET /crm/v3/properties/contacts") == 1)
        await harness.stop()
    }

    @Test("lookup by email: none, then the created contact with provenance; another app's contact is not ours")
    func lookupAndProvenance() async throws {
        let harness = try await Harness.hubspot()
        let connector = hubspotConnector(harness)
        #expect(try await connector.lookup(email: "jane@example.com", log: nil).isEmpty)
        let id = try await connector.createContact(["email": "jane@example.com", "firstname": "Jane"], log: nil)
        let found = try await connector.lookup(email: "jane@example.com", log: nil)
        #expect(found.map(\.id) == [id])
        #expect(found.first?.createdByIntegration == true)
        #expect(found.first?.createdDate != nil)
        let other = hubspotConnector(harness, token: "test-someone-else")
        #expect(try await other.lookup(email: "jane@example.com", log: nil).first?.createdByIntegration == false)
        #expect(try await other.contact(id: id, log: nil).createdByIntegration == false)
        try await connector.updateContact(id: id, ["lastname": "Doe"], log: nil)
        #expect(try await harness.send(.GET, "/crm/v3/objects/contacts/\(id)?properties=lastname", token: "test-x").body.flatMap { ($0["properties"] as? [String: Any])?["lastname"] as? String } == "Doe")
        await harness.stop()
    }

    @Test("a 409 yields the existing id, in both body shapes, including a secondary-email match", arguments: [false, true])
    func conflictYieldsExistingId(extended: Bool) async throws {
        let harness = try await Harness.hubspot { $0.extendedConflictBody = extended }
        let connector = hubspotConnector(harness)
        let id = try await connector.createContact(["email": "main@example.com", "hs_additional_emails": "alias@example.com"], log: nil)
        #expect(try await connector.lookup(email: "alias@example.com", log: nil).isEmpty)
        for email in ["main@example.com", "alias@example.com"] {
            let error = await #expect(throws: CRMError.self) { _ = try await connector.createContact(["email": email], log: nil) }
            #expect(error?.code == .contactExists)
            #expect(error?.existingId == id)
        }
        await harness.stop()
    }

    @Test("batch lookup over 100 emails, batch create and update with per-record failures")
    func batches() async throws {
        let harness = try await Harness.hubspot()
        let connector = hubspotConnector(harness)
        let emails = (0..<150).map { "person\($0)@example.com" }
        let created = try await connector.createContacts(emails.prefix(120).map { ["email": $0] } + [["email": "broken"], ["email": "x@example.com", "nope": "1"]], log: nil)
        #expect(created.prefix(120).allSatisfy { if case .success = $0 { true } else { false } })
        #expect(created.count == 122)
        if case .failure(let error) = created[120] { #expect(error.crmCode == "INVALID_EMAIL") } else { Issue.record("expected a failure") }
        if case .failure(let error) = created[121] { #expect(error.crmCode == "PROPERTY_DOESNT_EXIST") } else { Issue.record("expected a failure") }
        #expect(try await harness.count("POST /crm/v3/objects/contacts/batch/create") == 2)

        let found = try await connector.lookup(emails: emails, log: nil)
        #expect(found.count == 150)
        #expect(found.values.filter { !$0.isEmpty }.count == 120)
        #expect(found["person0@example.com"]?.first?.createdByIntegration == true)
        // Each create's result is the contact made from its own input.
        #expect(emails.prefix(120).indices.allSatisfy { found[emails[$0]]?.first?.id == (try? created[$0].get()) })
        #expect(try await harness.count("POST /crm/v3/objects/contacts/batch/read") == 2)

        let ids = created.prefix(2).compactMap { try? $0.get() }
        let updated = try await connector.updateContacts([(ids[0], ["firstname": "A"]), ("999999", ["firstname": "B"]), (ids[1], ["nope": "x"])], log: nil)
        #expect((try? updated[0].get()) == ids[0])
        if case .failure(let error) = updated[1] { #expect(error.code == .notFound) } else { Issue.record("expected a failure") }
        if case .failure(let error) = updated[2] { #expect(error.code == .crmRejected) } else { Issue.record("expected a failure") }
        await harness.stop()
    }

    @Test("unseenNoteBatchIsNotSentTwice: notes a timed-out batch create made unseen are found on their contacts before the retry, which sends only the rest")
    func unseenNoteBatchIsNotSentTwice() async throws {
        let harness = try await Harness.hubspot()
        let route = "POST /crm/v3/objects/notes/batch/create"
        // The first attempt outlasts the client's timeout, and the emulator makes its notes after the client
        // gave up; the retry waits long enough for them to exist. The contacts are made by a connector with the
        // usual timeout, so a slow machine cannot time out their creation instead.
        var settings = HubSpotConnector.Settings()
        settings.baseURL = harness.url
        settings.timeout = .seconds(1)
        settings.retry = RetryPolicy(maxAttempts: 3, backoff: Backoff(base: .seconds(4), max: .seconds(4)))
        settings.observer = CRMObserver(call: { called, status, _ in
            if called == route && status == nil { Task { try await harness.faults("{}") } }
        })
        let connector = HubSpotConnector(client: .shared, credentials: CRMCredentials(accessToken: "test-connector"), settings: settings, logger: Harness.quietLogger)
        let contacts = hubspotConnector(harness)
        let first = try await contacts.createContact(["email": "unseen-a@example.com"], log: nil)
        let second = try await contacts.createContact(["email": "unseen-b@example.com"], log: nil)
        let at = Date(timeIntervalSince1970: 1_800_000_000)
        let notes = [
            NoteWrite(contactId: first, text: "same words", existingNoteId: nil, timestamp: at),
            NoteWrite(contactId: first, text: "same words", existingNoteId: nil, timestamp: at),
            NoteWrite(contactId: second, text: "other words", existingNoteId: nil, timestamp: at),
        ]
        try await harness.faults(#"{"routeLatencyMs":{"\#(route)":1500}}"#)
        let log = CRMCallLog()
        let written = try await connector.writeNotes(notes, log: log)
        let ids = try written.map { try $0.get() }
        #expect(Set(ids).count == 3, "each note answered by a record of its own")
        #expect(try await harness.count(route) == 1, "the retry found all three and sent nothing")
        // One association batch read for both contacts, not one listing per contact or note.
        #expect(log.entries.filter { $0.route == "POST /crm/v4/associations/contacts/notes/batch/read" }.count == 1)
        for (contact, expected) in [(first, 2), (second, 1)] {
            let body = try await harness.send(.GET, "/crm/v3/objects/contacts/\(contact)?associations=notes", token: "test-audit").body
            let associated = ((body?["associations"] as? [String: Any])?["notes"] as? [String: Any])?["results"] as? [Any] ?? []
            #expect(associated.count == expected)
        }
        await harness.stop()
    }

    @Test("noteFallbackPagesByAssociation: finding an unanswered attempt's note among 650 reads the contacts' note associations a batch at a time, following each contact's pages, and the notes in batches, not one call per contact or note")
    func noteFallbackPagesByAssociation() async throws {
        let harness = try await Harness.hubspot()
        let connector = hubspotConnector(harness)
        let contact = try await connector.createContact(["email": "many-notes@example.com"], log: nil)
        let at = Date(timeIntervalSince1970: 1_800_000_000)
        let notes = (0..<650).map { NoteWrite(contactId: contact, text: "note \($0)", existingNoteId: nil, timestamp: at.addingTimeInterval(Double($0))) }
        let written = try await connector.writeNotes(notes, log: nil)
        let target = try written[600].get()
        let log = CRMCallLog()
        let other = try await connector.createContact(["email": "no-notes@example.com"], log: nil)
        let found = try await connector.findNotes([
            NoteWrite(contactId: contact, text: "note 600", existingNoteId: nil, timestamp: at.addingTimeInterval(600)),
            NoteWrite(contactId: other, text: "note 600", existingNoteId: nil, timestamp: at.addingTimeInterval(600)),
            NoteWrite(contactId: "999999999", text: "note 1", existingNoteId: nil, timestamp: at.addingTimeInterval(1)),
        ], log: log)
        #expect(found == [0: target], "found on its own contact only; a contact with no notes, or none at all, has none")
        // Two association batch reads (the first page of each contact, then the rest of the first's: 500 + 150)
        // and seven batch reads of 100.
        let routes = log.entries.map(\.route)
        #expect(routes.filter { $0 == "POST /crm/v4/associations/contacts/notes/batch/read" }.count == 2)
        #expect(routes.filter { $0 == "POST /crm/v3/objects/notes/batch/read" }.count == 7)
        #expect(routes.count == 9)
        #expect(try await connector.findNotes([NoteWrite(contactId: contact, text: "no such note", existingNoteId: nil, timestamp: at)], log: nil).isEmpty)
        await harness.stop()
    }

    @Test("notes: created with the association, updated in place on a later write, recreated if deleted, batched")
    func notes() async throws {
        let harness = try await Harness.hubspot()
        let connector = hubspotConnector(harness)
        let contact = try await connector.createContact(["email": "n@example.com"], log: nil)
        let at = Date(timeIntervalSince1970: 1_800_000_000)
        let first = try await connector.writeNote(NoteWrite(contactId: contact, text: "one", existingNoteId: nil, timestamp: at), log: nil)
        let again = try await connector.writeNote(NoteWrite(contactId: contact, text: "two", existingNoteId: first, timestamp: at), log: nil)
        #expect(again == first)
        let associated = try await harness.send(.GET, "/crm/v3/objects/contacts/\(contact)?associations=notes", token: "test-x").body
        let noteIds = (((associated?["associations"] as? [String: Any])?["notes"] as? [String: Any])?["results"] as? [[String: Any]])?.compactMap { $0["id"] as? String }
        #expect(noteIds == [first])
        #expect(try await harness.send(.GET, "/crm/v3/objects/notes/\(first)", token: "test-x").body.flatMap { ($0["properties"] as? [String: Any])?["hs_note_body"] as? String } == "two")
        try await harness.send(.DELETE, "/crm/v3/objects/notes/\(first)", token: "test-x")
        let replacement = try await connector.writeNote(NoteWrite(contactId: contact, text: "three", existingNoteId: first, timestamp: at), log: nil)
        #expect(replacement != first)

        let others = try await connector.createContacts([["email": "a@example.com"], ["email": "b@example.com"]], log: nil).map { try $0.get() }
        let (creates, updates) = (try await harness.count("POST /crm/v3/objects/notes/batch/create"), try await harness.count("POST /crm/v3/objects/notes/batch/update"))
        let batch = try await connector.writeNotes([
            NoteWrite(contactId: others[0], text: "a", existingNoteId: nil, timestamp: at),
            NoteWrite(contactId: others[1], text: "b", existingNoteId: nil, timestamp: at),
            NoteWrite(contactId: contact, text: "four", existingNoteId: replacement, timestamp: at),
        ], log: nil)
        #expect(try batch.map { try $0.get() }.last == replacement)
        // Two creations and an update: one call each way.
        #expect(try await harness.count("POST /crm/v3/objects/notes/batch/create") == creates + 1)
        #expect(try await harness.count("POST /crm/v3/objects/notes/batch/update") == updates + 1)
        await harness.stop()
    }
}
