import CRMEmulators
import HTTPTypes
import Hummingbird
import Testing

@Suite("HubSpot emulator: contacts")
struct HubSpotContactTests {
    static let contacts = "/crm/v3/objects/contacts"

    @Test("create answers 201 with provenance from the creating token's app")
    func createWithProvenance() async throws {
        try await withHubSpot { hs in
            let created = try await hs.send(.post, Self.contacts, json: ["properties": ["email": "Jane@Example.com", "firstname": "Jane"]])
            #expect(created.status == .created)
            let properties = created.json?["properties"]
            #expect(properties?["email"]?.string == "jane@example.com")
            #expect(properties?["hs_object_source"]?.string == "INTEGRATION")
            #expect(properties?["hs_object_id"]?.string == created.json?["id"]?.string)
            let other = try await hs.send(.post, Self.contacts, json: ["properties": ["email": "b@example.com"]], token: "test-other")
            #expect(other.json?["properties"]?["hs_object_source_id"]?.string != properties?["hs_object_source_id"]?.string)
        }
    }

    @Test("a duplicate email answers 409 with Existing ID, case-insensitively, in the classic or extended body", arguments: [false, true])
    func duplicateConflict(extended: Bool) async throws {
        try await withHubSpot({ $0.extendedConflictBody = extended }) { hs in
            let first = try await hs.send(.post, Self.contacts, json: ["properties": ["email": "dup@example.com"]])
            let id = try #require(first.json?["id"]?.string)
            let again = try await hs.send(.post, Self.contacts, json: ["properties": ["email": "DUP@Example.com"]])
            #expect(again.status == .conflict)
            #expect(again.json?["message"]?.string == "Contact already exists. Existing ID: \(id)")
            #expect(again.json?["category"]?.string == (extended ? "OBJECT_ALREADY_EXISTS" : "CONFLICT"))
            if extended { #expect(again.json?["identityProfile"]?["vid"]?.int == Int(id)) }
        }
    }

    @Test("hs_additional_emails count for uniqueness and search, not for idProperty=email")
    func additionalEmails() async throws {
        try await withHubSpot { hs in
            let created = try await hs.send(.post, Self.contacts, json: ["properties": ["email": "main@example.com", "hs_additional_emails": "alt@example.com"]])
            let id = try #require(created.json?["id"]?.string)
            #expect(try await hs.get("\(Self.contacts)/alt%40example.com?idProperty=email").status == .notFound)
            let conflict = try await hs.send(.post, Self.contacts, json: ["properties": ["email": "ALT@example.com"]])
            #expect(conflict.status == .conflict)
            #expect(conflict.json?["message"]?.string?.hasSuffix("Existing ID: \(id)") == true)
            let search = try await hs.send(.post, Self.contacts + "/search", json: [
                "filterGroups": [["filters": [["propertyName": "email", "operator": "EQ", "value": "alt@example.com"]]]]
            ])
            #expect(search.json?["total"]?.int == 1)
            #expect(search.json?["results"]?.array?.first?["id"]?.string == id)
        }
    }

    @Test("read by id or by idProperty=email; unknown gives 404 OBJECT_NOT_FOUND; other idProperty 400")
    func readByEmail() async throws {
        try await withHubSpot { hs in
            let created = try await hs.send(.post, Self.contacts, json: ["properties": ["email": "read@example.com", "firstname": "R"]])
            let id = try #require(created.json?["id"]?.string)
            let byEmail = try await hs.get("\(Self.contacts)/READ%40example.com?idProperty=email&properties=firstname")
            #expect(byEmail.json?["id"]?.string == id)
            #expect(byEmail.json?["properties"]?["firstname"]?.string == "R")
            #expect(try await hs.get("\(Self.contacts)/\(id)").json?["properties"]?["email"]?.string == "read@example.com")
            let missing = try await hs.get("\(Self.contacts)/nobody%40example.com?idProperty=email")
            #expect(missing.status == .notFound)
            #expect(missing.json?["category"]?.string == "OBJECT_NOT_FOUND")
            #expect(try await hs.get("\(Self.contacts)/x?idProperty=firstname").status == .badRequest)
        }
    }

    @Test("validation errors: unknown property, invalid email, invalid option, read-only property")
    func validationErrors() async throws {
        try await withHubSpot { hs in
            let cases: [(JSON, String)] = [
                (["email": "a@example.com", "nope": "x"], "PROPERTY_DOESNT_EXIST"),
                (["email": "example.lcom"], "INVALID_EMAIL"),
                (["email": "b@example.com", "preferred_language": "xx"], "INVALID_OPTION"),
                (["email": "c@example.com", "hs_object_id": "5"], "READ_ONLY_VALUE"),
            ]
            for (properties, code) in cases {
                let answer = try await hs.send(.post, Self.contacts, json: ["properties": properties])
                #expect(answer.status == .badRequest)
                #expect(answer.json?["category"]?.string == "VALIDATION_ERROR")
                #expect(answer.json?["errors"]?.array?.first?["code"]?.string == code)
                #expect(answer.json?["message"]?.string?.hasPrefix("Property values were not valid: [") == true)
                #expect(answer.json?["message"]?.string?.contains("\"error\":\"\(code)\"") == true)
            }
            #expect(try await hs.get(Self.contacts).json?["results"]?.array?.isEmpty == true)
        }
    }

    @Test("update overwrites given properties, an empty string clears one, empty properties is 400")
    func update() async throws {
        try await withHubSpot { hs in
            let body: JSON = ["properties": ["email": "u@example.com", "firstname": "A", "city": "Oslo"]]
            let id = try #require(try await hs.send(.post, Self.contacts, json: body).json?["id"]?.string)
            let patched = try await hs.send(.patch, "\(Self.contacts)/\(id)", json: ["properties": ["firstname": "B", "city": ""]])
            #expect(patched.status == .ok)
            #expect(patched.json?["properties"]?["firstname"]?.string == "B")
            #expect(patched.json?["properties"]?["city"] == nil)
            let byEmail = try await hs.send(.patch, "\(Self.contacts)/u%40example.com?idProperty=email", json: ["properties": ["lastname": "C"]])
            #expect(byEmail.json?["properties"]?["lastname"]?.string == "C")
            let empty = try await hs.send(.patch, "\(Self.contacts)/\(id)", json: ["properties": [:]])
            #expect(empty.status == .badRequest)
            #expect(empty.json?["message"]?.string == "No properties found to update, please provide at least one.")
        }
    }

    @Test("delete answers 204 even for a missing id; list pages with after")
    func deleteAndList() async throws {
        try await withHubSpot { hs in
            for index in 0..<3 { _ = try await hs.send(.post, Self.contacts, json: ["properties": ["email": "p\(index)@example.com"]]) }
            let page = try await hs.get("\(Self.contacts)?limit=2")
            #expect(page.json?["results"]?.array?.count == 2)
            let after = try #require(page.json?["paging"]?["next"]?["after"]?.string)
            let next = try await hs.get("\(Self.contacts)?limit=2&after=\(after)")
            #expect(next.json?["results"]?.array?.count == 1)
            #expect(next.json?["paging"] == nil)
            #expect(try await hs.send(.delete, "\(Self.contacts)/\(after)").status == .noContent)
            #expect(try await hs.send(.delete, "\(Self.contacts)/999999").status == .noContent)
            #expect(try await hs.get("\(Self.contacts)/\(after)").status == .notFound)
        }
    }
}
