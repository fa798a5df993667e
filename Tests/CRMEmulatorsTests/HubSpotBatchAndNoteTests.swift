import CRMEmulators
import HTTPTypes
import Hummingbird
import Testing

@Suite("HubSpot emulator: batches, notes, properties")
struct HubSpotBatchAndNoteTests {
    static let contacts = "/crm/v3/objects/contacts"
    static let notes = "/crm/v3/objects/notes"

    static func association(_ contactId: String, type: Int = 202) -> JSON {
        ["to": ["id": .string(contactId)], "types": [["associationCategory": "HUBSPOT_DEFINED", "associationTypeId": .int(type)]]]
    }

    @Test("batch read by email: found and missing give 207 with both results and errors")
    func batchReadMixed() async throws {
        try await withHubSpot { hs in
            _ = try await hs.send(.post, Self.contacts, json: ["properties": ["email": "here@example.com", "firstname": "H"]])
            let answer = try await hs.send(.post, Self.contacts + "/batch/read", json: [
                "idProperty": "email", "properties": ["firstname"], "inputs": [["id": "HERE@example.com"], ["id": "gone@example.com"]],
            ])
            #expect(answer.status.code == 207)
            #expect(answer.json?["results"]?.array?.first?["properties"]?["email"]?.string == "here@example.com")
            #expect(answer.json?["numErrors"]?.int == 1)
            #expect(answer.json?["errors"]?.array?.first?["context"]?["ids"]?.array == ["gone@example.com"])
            let allFound = try await hs.send(.post, Self.contacts + "/batch/read", json: ["idProperty": "email", "inputs": [["id": "here@example.com"]]])
            #expect(allFound.status == .ok)
        }
    }

    @Test("batch create answers 201; a duplicate fails the whole call unless every input is traced (207)")
    func batchCreate() async throws {
        try await withHubSpot { hs in
            let created = try await hs.send(.post, Self.contacts + "/batch/create", json: ["inputs": [["properties": ["email": "a@example.com"]], ["properties": ["email": "b@example.com"]]]])
            #expect(created.status == .created)
            #expect(created.json?["results"]?.array?.count == 2)
            let whole = try await hs.send(.post, Self.contacts + "/batch/create", json: ["inputs": [["properties": ["email": "c@example.com"]], ["properties": ["email": "a@example.com"]]]])
            #expect(whole.status == .conflict)
            #expect(try await hs.get("\(Self.contacts)/c%40example.com?idProperty=email").status == .notFound)
            let traced = try await hs.send(.post, Self.contacts + "/batch/create", json: ["inputs": [
                ["properties": ["email": "c@example.com"], "objectWriteTraceId": "1"],
                ["properties": ["email": "a@example.com"], "objectWriteTraceId": "2"],
            ]])
            #expect(traced.status.code == 207)
            #expect(traced.json?["results"]?.array?.first?["objectWriteTraceId"]?.string == "1")
            #expect(traced.json?["errors"]?.array?.first?["context"]?["objectWriteTraceId"]?.array == ["2"])
        }
    }

    @Test("batch update by id gives per-record results; by email is refused")
    func batchUpdate() async throws {
        try await withHubSpot { hs in
            let id = try #require(try await hs.send(.post, Self.contacts, json: ["properties": ["email": "a@example.com"]]).json?["id"]?.string)
            let mixed = try await hs.send(.post, Self.contacts + "/batch/update", json: ["inputs": [
                ["id": .string(id), "properties": ["firstname": "A"]], ["id": "424242", "properties": ["firstname": "B"]],
                ["id": .string(id), "properties": ["nope": "x"]],
            ]])
            #expect(mixed.status.code == 207)
            #expect(mixed.json?["results"]?.array?.count == 1)
            #expect(mixed.json?["numErrors"]?.int == 2)
            let byEmail = try await hs.send(.post, Self.contacts + "/batch/update", json: ["inputs": [["id": "a@example.com", "idProperty": "email", "properties": ["firstname": "C"]]]])
            #expect(byEmail.status == .badRequest)
            #expect(byEmail.json?["message"]?.string?.contains("non-unique 0-1 property email") == true)
        }
    }

    @Test("batch upsert by email creates or updates and says which; duplicate ids and oversize batches are 400")
    func batchUpsert() async throws {
        try await withHubSpot({ $0.batchLimit = 3 }) { hs in
            let existing = try #require(try await hs.send(.post, Self.contacts, json: ["properties": ["email": "old@example.com", "firstname": "Old"]]).json?["id"]?.string)
            let answer = try await hs.send(.post, Self.contacts + "/batch/upsert", json: ["inputs": [
                ["id": "OLD@example.com", "idProperty": "email", "properties": ["firstname": "Updated"]],
                ["id": "new@example.com", "idProperty": "email", "properties": ["firstname": "New"]],
                ["id": "bad@example.com", "idProperty": "email", "properties": ["preferred_language": "xx"]],
            ]])
            #expect(answer.status.code == 207)
            let results = answer.json?["results"]?.array ?? []
            #expect(results.first { $0["id"]?.string == existing }?["new"] == false)
            #expect(results.first { $0["id"]?.string == existing }?["properties"]?["firstname"]?.string == "Updated")
            #expect(results.first { $0["new"] == true }?["properties"]?["email"]?.string == "new@example.com")
            #expect(answer.json?["errors"]?.array?.first?["category"]?.string == "VALIDATION_ERROR")
            let duplicates = try await hs.send(.post, Self.contacts + "/batch/upsert", json: ["inputs": [
                ["id": "x@example.com", "idProperty": "email", "properties": [:]], ["id": "X@example.com", "idProperty": "email", "properties": [:]],
            ]])
            #expect(duplicates.status == .badRequest)
            let oversize = try await hs.send(.post, Self.contacts + "/batch/upsert", json: ["inputs": .array((0..<4).map { ["id": .string("o\($0)@example.com"), "idProperty": "email", "properties": [:]] })])
            #expect(oversize.status == .badRequest)
        }
    }

    @Test("notes: created with a 202 association, readable from both sides, updated in place")
    func notesWithAssociations() async throws {
        try await withHubSpot { hs in
            let contact = try #require(try await hs.send(.post, Self.contacts, json: ["properties": ["email": "n@example.com"]]).json?["id"]?.string)
            let note = try await hs.send(.post, Self.notes, json: [
                "properties": ["hs_timestamp": "2026-11-22T10:00:00Z", "hs_note_body": "First"], "associations": [Self.association(contact)],
            ])
            #expect(note.status == .created)
            let noteId = try #require(note.json?["id"]?.string)
            let fromContact = try await hs.get("\(Self.contacts)/\(contact)?associations=notes")
            #expect(fromContact.json?["associations"]?["notes"]?["results"]?.array?.compactMap { $0["id"]?.string } == [noteId])
            let fromNote = try await hs.get("\(Self.notes)/\(noteId)?associations=contacts")
            #expect(fromNote.json?["associations"]?["contacts"]?["results"]?.array?.compactMap { $0["id"]?.string } == [contact])
            let updated = try await hs.send(.patch, "\(Self.notes)/\(noteId)", json: ["properties": ["hs_note_body": "Second"]])
            #expect(updated.json?["properties"]?["hs_note_body"]?.string == "Second")
            #expect(try await hs.get("\(Self.contacts)/\(contact)?associations=notes").json?["associations"]?["notes"]?["results"]?.array?.count == 1)
        }
    }

    @Test("notes refuse a missing hs_timestamp, a body over 65,536 characters, an unknown contact and a wrong association type")
    func noteValidation() async throws {
        try await withHubSpot { hs in
            let contact = try #require(try await hs.send(.post, Self.contacts, json: ["properties": ["email": "n@example.com"]]).json?["id"]?.string)
            let bodies: [JSON] = [
                ["properties": ["hs_note_body": "x"], "associations": [Self.association(contact)]],
                ["properties": ["hs_timestamp": "2026-11-22T10:00:00Z", "hs_note_body": .string(String(repeating: "x", count: 65_537))]],
                ["properties": ["hs_timestamp": "2026-11-22T10:00:00Z"], "associations": [Self.association("999")]],
                ["properties": ["hs_timestamp": "2026-11-22T10:00:00Z"], "associations": [Self.association(contact, type: 1)]],
            ]
            for body in bodies {
                let answer = try await hs.send(.post, Self.notes, json: body)
                #expect(answer.status == .badRequest)
                #expect(answer.json?["category"]?.string == "VALIDATION_ERROR")
            }
            let exact = try await hs.send(.post, Self.notes, json: ["properties": ["hs_timestamp": "1", "hs_note_body": .string(String(repeating: "x", count: 65_536))]])
            #expect(exact.status == .created)
        }
    }

    @Test("batch create and update of notes")
    func noteBatches() async throws {
        try await withHubSpot { hs in
            let contact = try #require(try await hs.send(.post, Self.contacts, json: ["properties": ["email": "n@example.com"]]).json?["id"]?.string)
            let created = try await hs.send(.post, Self.notes + "/batch/create", json: ["inputs": [
                ["properties": ["hs_timestamp": "1", "hs_note_body": "a"], "associations": [Self.association(contact)]],
                ["properties": ["hs_timestamp": "1", "hs_note_body": "b"], "associations": [Self.association(contact)]],
            ]])
            #expect(created.status == .created)
            let ids = created.json?["results"]?.array?.compactMap { $0["id"]?.string } ?? []
            #expect(ids.count == 2)
            let updated = try await hs.send(.post, Self.notes + "/batch/update", json: ["inputs": .array(ids.map { ["id": .string($0), "properties": ["hs_note_body": "z"]] } + [["id": "1", "properties": ["hs_note_body": "z"]]])])
            #expect(updated.status.code == 207)
            #expect(updated.json?["results"]?.array?.allSatisfy { $0["properties"]?["hs_note_body"]?.string == "z" } == true)
        }
    }

    @Test("properties: the fixed schema, custom creation, 409 on a duplicate name")
    func properties() async throws {
        try await withHubSpot { hs in
            let list = try await hs.get("/crm/v3/properties/contacts")
            let byName = Dictionary(uniqueKeysWithValues: (list.json?["results"]?.array ?? []).compactMap { item in item["name"]?.string.map { ($0, item) } })
            #expect(byName["ai_conversation_summary"]?["fieldType"]?.string == "textarea")
            #expect(byName["ai_conversation_summary"]?["hubspotDefined"] == nil)
            #expect(byName["email"]?["hubspotDefined"] == true)
            #expect(byName["preferred_language"]?["type"]?.string == "enumeration")
            #expect(byName["nps_score"]?["type"]?.string == "number")
            #expect(byName["hs_object_source_id"]?["modificationMetadata"]?["readOnlyValue"] == true)
            #expect(byName["hs_email_domain"]?["calculated"] == true)
            let body: JSON = ["name": "tier", "label": "Tier", "type": "string", "fieldType": "text", "groupName": "contactinformation"]
            #expect(try await hs.send(.post, "/crm/v3/properties/contacts", json: body).status == .created)
            #expect(try await hs.send(.post, "/crm/v3/properties/contacts", json: body).status == .conflict)
            #expect(try await hs.send(.post, Self.contacts, json: ["properties": ["email": "t@example.com", "tier": "gold"]]).status == .created)
            #expect(try await hs.get("/account-info/v3/details").json?["portalId"]?.int == 20_260_001)
        }
    }
}
