import ContactSyncCore
@testable import ContactSyncCRM
import Foundation
import Testing

/// The CRM calls of one single-contact run, counted as sequential round trips (calls that overlap count once).
@Suite("Round trips of a single-contact run")
struct RoundTripTests {
    @Test("Salesforce: 2 (query, then one write carrying the summary field)", arguments: [false, true])
    func salesforce(existing: Bool) async throws {
        let harness = try await Harness.salesforce()
        let connector = salesforceConnector(harness)
        _ = try await connector.verify(log: nil)
        _ = try await connector.contactFields(log: nil)
        if existing { _ = try await connector.createContact(["Email": "rt@example.com", "LastName": "R"], log: nil) }
        let log = CRMCallLog()
        let found = try await connector.lookup(email: "rt@example.com", log: log)
        if let match = found.first {
            try await connector.updateContact(id: match.id, ["Conversation_Summary__c": "s", "FirstName": "F"], log: log)
        } else {
            _ = try await connector.createContact(["Email": "rt@example.com", "LastName": "R", "Conversation_Summary__c": "s"], log: log)
        }
        #expect(log.sequentialRoundTrips == 2)
        #expect(log.count == 2)
        await harness.stop()
    }

    @Test("HubSpot existing contact: 2 (lookup, then update and note in parallel)")
    func hubspotExisting() async throws {
        let harness = try await Harness.hubspot { $0.faults.latencyMs = 20 }
        let connector = hubspotConnector(harness)
        _ = try await connector.verify(log: nil)
        _ = try await connector.contactFields(log: nil)
        _ = try await connector.createContact(["email": "rt@example.com"], log: nil)
        let log = CRMCallLog()
        let id = try #require(try await connector.lookup(email: "rt@example.com", log: log).first?.id)
        async let update: Void = connector.updateContact(id: id, ["firstname": "F"], log: log)
        async let note = connector.writeNote(NoteWrite(contactId: id, text: "s", existingNoteId: nil, timestamp: Date()), log: log)
        _ = try await (update, note)
        #expect(log.count == 3)
        #expect(log.sequentialRoundTrips == 2)
        await harness.stop()
    }

    @Test("HubSpot new contact: 3 (lookup, create, note)")
    func hubspotNew() async throws {
        let harness = try await Harness.hubspot()
        let connector = hubspotConnector(harness)
        _ = try await connector.verify(log: nil)
        let log = CRMCallLog()
        #expect(try await connector.lookup(email: "rt@example.com", log: log).isEmpty)
        let id = try await connector.createContact(["email": "rt@example.com"], log: log)
        _ = try await connector.writeNote(NoteWrite(contactId: id, text: "s", existingNoteId: nil, timestamp: Date()), log: log)
        #expect(log.sequentialRoundTrips == 3)
        await harness.stop()
    }
}
