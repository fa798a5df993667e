import ContactSyncCore
@testable import ContactSyncCRM
import Foundation
import Testing

@Suite("Salesforce connector against the emulator")
struct SalesforceConnectorTests {
    @Test("verify reads org and user; describe maps to mappability and create-required fields")
    func verifyAndFields() async throws {
        let harness = try await Harness.salesforce()
        let connector = salesforceConnector(harness)
        let identity = try await connector.verify(log: nil)
        #expect(identity.accountId.hasPrefix("00D"))
        #expect(identity.userId?.hasPrefix("005") == true)
        let fields = Dictionary(uniqueKeysWithValues: try await connector.contactFields(log: nil).map { ($0.name, $0) })
        #expect(fields["LastName"]?.requiredOnCreate == true)
        #expect(fields.values.filter(\.requiredOnCreate).map(\.name) == ["LastName"])
        #expect(fields["Email"]?.isMappable(in: .salesforce) == true)
        #expect(fields["Conversation_Summary__c"]?.length == 131_072)
        #expect(fields["Preferred_Channel__c"]?.restrictedPicklist == true)
        #expect(fields["Preferred_Channel__c"]?.picklistValues == ["Email", "Phone", "Chat"])
        #expect(fields["Birthdate"]?.notMappableReason(in: .salesforce) == .unsupportedType)
        #expect(fields["Lifetime_Value__c"]?.notMappableReason(in: .salesforce) == .unsupportedType)
        #expect(fields["Name"]?.notMappableReason(in: .salesforce) == .readOnly)
        #expect(fields["Display_Label__c"]?.notMappableReason(in: .salesforce) == .calculated)
        await harness.stop()
    }

    @Test("several matches come back oldest first, CreatedById marking the integration's own without deciding provenance")
    func multipleMatches() async throws {
        let harness = try await Harness.salesforce()
        let ours = salesforceConnector(harness)
        let theirs = salesforceConnector(harness, token: "test-another-integration")
        let first = try await theirs.createContact(["Email": "Twin@Example.com", "LastName": "A"], log: nil)
        let second = try await ours.createContact(["Email": "twin@example.com", "LastName": "B"], log: nil)
        let found = try await ours.lookup(email: "twin@example.com", log: nil)
        #expect(found.map(\.id) == [first, second])
        #expect(found.map(\.createdByIntegration) == [false, true])
        #expect(found.allSatisfy { $0.createdDate != nil })
        // The marker alone never makes a contact contact-sync's: the oldest is chosen.
        #expect(MatchSelection.choose(found)?.match.id == first)
        try await ours.updateContact(id: first, ["Title": "CEO"], log: nil)
        #expect(try await ours.contact(id: first, log: nil).createdByIntegration == false)
        await harness.stop()
    }

    @Test("CRM rejections keep Salesforce's code: duplicate rule, required field, restricted picklist")
    func rejections() async throws {
        let harness = try await Harness.salesforce { $0.duplicateRule = .block }
        let connector = salesforceConnector(harness)
        _ = try await connector.createContact(["Email": "dup@example.com", "LastName": "A"], log: nil)
        let cases: [([String: String], String)] = [
            (["Email": "dup@example.com", "LastName": "B"], "DUPLICATES_DETECTED"),
            (["Email": "other@example.com"], "REQUIRED_FIELD_MISSING"),
            (["LastName": "C", "Preferred_Channel__c": "Fax"], "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST"),
        ]
        for (properties, code) in cases {
            let error = await #expect(throws: CRMError.self) { _ = try await connector.createContact(properties, log: nil) }
            #expect(error?.code == .crmRejected)
            #expect(error?.crmCode == code)
            #expect(error?.isRetryable == false)
        }
        #expect(try await harness.count("POST /services/data/{version}/composite/sobjects") == 4, "one collection call each, never retried")
        await harness.stop()
    }

    @Test("collections create and update with mixed per-record failures, in order")
    func collections() async throws {
        let harness = try await Harness.salesforce()
        let connector = salesforceConnector(harness)
        var inputs = (0..<250).map { ["Email": "p\($0)@example.com", "LastName": "P"] }
        inputs[3] = ["Email": "no-last-name@example.com"]
        let created = try await connector.createContacts(inputs, log: nil)
        #expect(created.count == 250)
        #expect(created.filter { (try? $0.get()) != nil }.count == 249)
        if case .failure(let error) = created[3] { #expect(error.crmCode == "REQUIRED_FIELD_MISSING") } else { Issue.record("expected a failure") }
        #expect(try await harness.count("POST /services/data/{version}/composite/sobjects") == 2)
        let ids = created.compactMap { try? $0.get() }
        let updated = try await connector.updateContacts([(ids[0], ["Title": "A"]), (ids[1], ["Preferred_Channel__c": "Fax"]), (ids[2], ["Title": "C"])], log: nil)
        #expect((try? updated[0].get()) == ids[0])
        if case .failure(let error) = updated[1] { #expect(error.crmCode == "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST") } else { Issue.record("expected a failure") }
        #expect((try? updated[2].get()) == ids[2])
        await harness.stop()
    }

    @Test("IN lookups are split to stay under the URL limit")
    func inSplitting() async throws {
        let harness = try await Harness.salesforce()
        let connector = salesforceConnector(harness)
        let emails = (0..<600).map { "a-rather-long-local-part-for-testing-\($0)@some-long-domain-example.com" }
        _ = try await connector.createContacts(emails.prefix(10).map { ["Email": $0, "LastName": "L"] }, log: nil)
        let found = try await connector.lookup(emails: emails, log: nil)
        #expect(found.values.filter { !$0.isEmpty }.count == 10)
        let queries = try await harness.count("GET /services/data/{version}/query")
        #expect(queries >= 6)
        await harness.stop()
    }

    static let hostile = [
        "o'brien@example.com", "x' OR Email != '@example.com", "' OR LastName LIKE '%", "back\\slash@example.com",
        "back\\'slash@example.com", "quote\"d@example.com", "per%cent@example.com", "under_score@example.com", "%@example.com",
        "_@example.com", "line\nbreak@example.com", "tab\tx@example.com", "nul\u{0}x@example.com", "üñí@example.com",
        "SELECT Id FROM Contact", "a@example.com' LIMIT 1 --", "\\", "'", "\\'", "'')", "a@b.com) OR (Email != null",
    ]

    @Test("hostile emails never match another contact and never produce MALFORMED_QUERY")
    func injectionCorpus() async throws {
        let harness = try await Harness.salesforce()
        let connector = salesforceConnector(harness)
        _ = try await connector.createContacts([
            ["Email": "a@example.com", "LastName": "A"], ["Email": "b@example.com", "LastName": "B"],
            ["Email": "o'brien@example.com", "LastName": "O"], ["Email": "under_score@example.com", "LastName": "U"],
        ], log: nil)
        for email in Self.hostile {
            let found = try await connector.lookup(email: email, log: nil)
            let expected = ["o'brien@example.com", "under_score@example.com"].contains(email) ? 1 : 0
            #expect(found.count == expected, "\(email.debugDescription) matched \(found.count)")
        }
        let batch = try await connector.lookup(emails: Self.hostile, log: nil)
        #expect(batch.values.map(\.count).reduce(0, +) == 2)
        #expect(batch["o'brien@example.com"]?.count == 1)
        await harness.stop()
    }

    @Test("SOQL literals escape quotes, backslashes and control characters")
    func literals() {
        #expect(SOQLLiteral.quote("o'brien") == #"'o\'brien'"#)
        #expect(SOQLLiteral.quote(#"a\b"#) == #"'a\\b'"#)
        #expect(SOQLLiteral.quote("a\"b") == #"'a\"b'"#)
        #expect(SOQLLiteral.quote("a\nb\rc\td\u{8}e\u{c}f") == #"'a\nb\rc\td\be\ff'"#)
        #expect(SOQLLiteral.quote("nul\u{0}") == #"'nul\u0000'"#)
        #expect(SOQLLiteral.quote("%_") == "'%_'")
        #expect(SOQLLiteral.list(["a", "b'"]) == #"('a','b\'')"#)
    }
}
