import CRMEmulators
import HTTPTypes
import Hummingbird
import Testing

@Suite("Salesforce emulator: records")
struct SalesforceRecordTests {
    static let base = "/services/data/v62.0"
    static let contacts = base + "/sobjects/Contact"

    @Test("versions need no token and are not counted")
    func versions() async throws {
        try await withSalesforce { sf in
            let answer = try await sf.get("/services/data/", token: .some(nil))
            #expect(answer.status == .ok)
            #expect(answer.json?.array?.contains { $0["version"]?.string == "62.0" && $0["label"]?.string == "Winter '25" } == true)
            #expect(answer.header("Sforce-Limit-Info") == nil)
            #expect(try await sf.get("/services/data/v20.0/sobjects/Contact/describe").status == .notFound)
        }
    }

    @Test("create answers 201 with an 18-character 003 id; CreatedById is the token's user")
    func create() async throws {
        try await withSalesforce { sf in
            let created = try await sf.send(.post, Self.contacts + "/", json: ["LastName": "Doe", "Email": "Jane@Example.com"])
            #expect(created.status == .created)
            #expect(created.json?["success"] == true)
            let id = try #require(created.json?["id"]?.string)
            #expect(id.count == 18 && id.hasPrefix("003"))
            #expect(created.header("Sforce-Limit-Info") == "api-usage=1/100000")
            let record = try await sf.get("\(Self.contacts)/\(id)")
            #expect(record.json?["Email"]?.string == "Jane@Example.com")
            #expect(record.json?["Name"]?.string == "Doe")
            let user = try #require(record.json?["CreatedById"]?.string)
            #expect(user.hasPrefix("005"))
            let other = try #require(try await sf.send(.post, Self.contacts, json: ["LastName": "X"], token: "test-other-user").json?["id"]?.string)
            #expect(try await sf.get("\(Self.contacts)/\(other)").json?["CreatedById"]?.string != user)
            let fifteen = String(id.prefix(15))
            #expect(try await sf.get("\(Self.contacts)/\(fifteen)?fields=Email").json?["Id"]?.string == id)
        }
    }

    @Test("create errors as JSON arrays", arguments: [
        (["FirstName": "x"] as JSON, "REQUIRED_FIELD_MISSING"),
        (["LastName": "x", "Email": "not an email"] as JSON, "INVALID_EMAIL_ADDRESS"),
        (["LastName": .string(String(repeating: "x", count: 81))] as JSON, "STRING_TOO_LONG"),
        (["LastName": "x", "Preferred_Channel__c": "Fax"] as JSON, "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST"),
        (["LastName": "x", "Foo__c": "1"] as JSON, "INVALID_FIELD"),
        (["LastName": "x", "Id": "003Wb0000000001IAA"] as JSON, "INVALID_FIELD"),
        (["LastName": "x", "Name": "y"] as JSON, "INVALID_FIELD_FOR_INSERT_UPDATE"),
        (["LastName": "x", "Display_Label__c": "y"] as JSON, "INVALID_FIELD_FOR_INSERT_UPDATE"),
        (["LastName": "x", "Lifetime_Value__c": "lots"] as JSON, "JSON_PARSER_ERROR"),
    ])
    func createErrors(body: JSON, code: String) async throws {
        try await withSalesforce { sf in
            let answer = try await sf.send(.post, Self.contacts, json: body)
            #expect(answer.status == .badRequest)
            #expect(answer.json?.array?.first?["errorCode"]?.string == code)
            #expect(answer.json?.array?.first?["message"]?.string?.isEmpty == false)
        }
    }

    @Test("update answers 204; a deleted record gives ENTITY_IS_DELETED; bad ids give MALFORMED_ID or NOT_FOUND")
    func updateAndDelete() async throws {
        try await withSalesforce { sf in
            let id = try #require(try await sf.send(.post, Self.contacts, json: ["LastName": "Doe"]).json?["id"]?.string)
            #expect(try await sf.send(.patch, "\(Self.contacts)/\(id)", json: ["Title": "CTO", "Preferred_Channel__c": "Chat"]).status == .noContent)
            #expect(try await sf.get("\(Self.contacts)/\(id)").json?["Title"]?.string == "CTO")
            let clearLast = try await sf.send(.patch, "\(Self.contacts)/\(id)", json: ["LastName": .null])
            #expect(clearLast.json?.array?.first?["errorCode"]?.string == "REQUIRED_FIELD_MISSING")
            #expect(try await sf.send(.delete, "\(Self.contacts)/\(id)").status == .noContent)
            for method in [HTTPRequest.Method.get, .delete] {
                let gone = try await sf.send(method, "\(Self.contacts)/\(id)")
                #expect(gone.status == .notFound)
                #expect(gone.json?.array?.first?["errorCode"]?.string == "ENTITY_IS_DELETED")
            }
            #expect(try await sf.get("\(Self.contacts)/003Wb000000ZZZZZZZ").json?.array?.first?["errorCode"]?.string == "MALFORMED_ID")
            #expect(try await sf.get("\(Self.contacts)/003Wb0000009999").json?.array?.first?["errorCode"]?.string == "NOT_FOUND")
            #expect(try await sf.get("\(Self.contacts)/nonsense").json?.array?.first?["errorCode"]?.string == "NOT_FOUND")
            #expect(try await sf.get("\(Self.base)/sobjects/Account/describe").status == .notFound)
        }
    }

    @Test("describe reports types, lengths, createable/updateable, calculated and picklists")
    func describe() async throws {
        try await withSalesforce { sf in
            let fields = try await sf.get(Self.contacts + "/describe").json?["fields"]?.array ?? []
            let byName = Dictionary(uniqueKeysWithValues: fields.compactMap { field in field["name"]?.string.map { ($0, field) } })
            #expect(byName["Email"]?["idLookup"] == true)
            #expect(byName["Description"]?["length"]?.int == 32_000)
            #expect(byName["Conversation_Summary__c"]?["custom"] == true)
            #expect(byName["Display_Label__c"]?["calculated"] == true)
            #expect(byName["External_Ref__c"]?["externalId"] == true)
            #expect(byName["Lifetime_Value__c"]?["type"]?.string == "currency")
            #expect(byName["LeadSource"]?["restrictedPicklist"] == false)
            #expect(byName["HasOptedOutOfEmail"]?["type"]?.string == "boolean")
            #expect(byName["CreatedById"]?["updateable"] == false)
        }
    }

    @Test("duplicate rule: off allows, block always refuses, alert yields to allowSave=true")
    func duplicateRule() async throws {
        try await withSalesforce { sf in
            _ = try await sf.send(.post, Self.contacts, json: ["LastName": "A", "Email": "same@example.com"])
            #expect(try await sf.send(.post, Self.contacts, json: ["LastName": "B", "Email": "same@example.com"]).status == .created)
            let allow: HTTPFields = [HTTPField.Name("Sforce-Duplicate-Rule-Header")!: "allowSave=true; includeRecordDetails=true"]
            _ = try await sf.send(.post, "/_emulator/duplicate-rule", json: ["mode": "block"])
            let blocked = try await sf.send(.post, Self.contacts, json: ["LastName": "C", "Email": "SAME@example.com"], headers: allow)
            #expect(blocked.json?.array?.first?["errorCode"]?.string == "DUPLICATES_DETECTED")
            #expect(blocked.json?.array?.first?["duplicateResut"]?["matchResults"]?.array?.first?["matchRecords"]?.array?.count == 2)
            _ = try await sf.send(.post, "/_emulator/duplicate-rule", json: ["mode": "alert"])
            #expect(try await sf.send(.post, Self.contacts, json: ["LastName": "C", "Email": "same@example.com"]).status == .badRequest)
            #expect(try await sf.send(.post, Self.contacts, json: ["LastName": "C", "Email": "same@example.com"], headers: allow).status == .created)
        }
    }

    @Test("sObject Collections: per-record results in order, allOrNone rolls back, over 200 refused")
    func collections() async throws {
        try await withSalesforce { sf in
            let records: JSON = [
                ["attributes": ["type": "Contact"], "LastName": "A"], ["attributes": ["type": "Contact"], "FirstName": "no last"],
            ]
            let mixed = try await sf.send(.post, Self.base + "/composite/sobjects", json: ["allOrNone": false, "records": records])
            #expect(mixed.status == .ok)
            #expect(mixed.json?.array?[0]["success"] == true)
            #expect(mixed.json?.array?[1]["errors"]?.array?.first?["statusCode"]?.string == "REQUIRED_FIELD_MISSING")
            let rolled = try await sf.send(.post, Self.base + "/composite/sobjects", json: ["allOrNone": true, "records": records])
            #expect(rolled.json?.array?[0]["errors"]?.array?.first?["statusCode"]?.string == "ALL_OR_NONE_OPERATION_ROLLED_BACK")
            #expect(try await sf.get(Self.base + "/query?q=SELECT+COUNT()+FROM+Contact").json?["totalSize"]?.int == 1)
            let id = try #require(mixed.json?.array?[0]["id"]?.string)
            let updates = try await sf.send(.patch, Self.base + "/composite/sobjects", json: ["allOrNone": false, "records": [
                ["attributes": ["type": "Contact"], "id": .string(id), "Title": "T"], ["attributes": ["type": "Contact"], "id": "003Wb0000009999", "Title": "T"],
            ]])
            #expect(updates.json?.array?[0]["success"] == true)
            #expect(updates.json?.array?[1]["errors"]?.array?.first?["statusCode"]?.string == "NOT_FOUND")
            let tooMany = try await sf.send(.post, Self.base + "/composite/sobjects", json: ["records": .array(Array(repeating: ["attributes": ["type": "Contact"], "LastName": "x"], count: 201))])
            #expect(tooMany.json?.array?.first?["errorCode"]?.string == "EXCEEDED_ID_LIMIT")
        }
    }

    @Test("a collection applies the duplicate rule within itself")
    func collectionDuplicates() async throws {
        try await withSalesforce({ $0.duplicateRule = .block }) { sf in
            let answer = try await sf.send(.post, Self.base + "/composite/sobjects", json: ["records": [
                ["attributes": ["type": "Contact"], "LastName": "A", "Email": "twin@example.com"],
                ["attributes": ["type": "Contact"], "LastName": "B", "Email": "Twin@example.com"],
            ]])
            #expect(answer.json?.array?[0]["success"] == true)
            #expect(answer.json?.array?[1]["errors"]?.array?.first?["statusCode"]?.string == "DUPLICATES_DETECTED")
        }
    }
}
