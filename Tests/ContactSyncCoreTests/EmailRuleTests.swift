import ContactSyncCore
import Testing

@Suite("Email (ARCHITECTURE §3, step 2)")
struct EmailRuleTests {
    @Test("trimmed and lowercased", arguments: [
        ("Jane@Example.COM", "jane@example.com"),
        ("  jane@example.com\n", "jane@example.com"),
        ("\tJANE.DOE+crm@Sub.Example.org ", "jane.doe+crm@sub.example.org"),
        ("o'brien@example.ie", "o'brien@example.ie"),
        ("a_b%c@example.co.uk", "a_b%c@example.co.uk"),
        ("x@xn--bcher-kva.example", "x@xn--bcher-kva.example"),
    ])
    func emailNormalized(raw: String, expected: String) {
        #expect(EmailAddress.normalize(raw) == expected)
    }

    @Test("malformed addresses are rejected", arguments: [
        "jane", "jane@", "@example.com", "jane@@example.com", "jane@example", "jane@example.c",
        "jane doe@example.com", "jane@exa mple.com", ".jane@example.com", "jane.@example.com", "ja..ne@example.com",
        "jane@-example.com", "jane@example-.com", "jane@example..com", "jäne@example.com", "jane@exämple.com",
        "\"jane\"@example.com", "jane\\@example.com", "jane@example.com\nBcc: x@y.com", "jane@example.123",
        String(repeating: "a", count: 65) + "@example.com", "a@" + String(repeating: "b", count: 250) + ".com",
    ])
    func emailMalformed(raw: String) {
        #expect(EmailAddress.normalize(raw) == nil)
    }

    @Test("no email mapped value means skipped missing_email, before any CRM call", arguments: CRMFixture.both)
    func missingEmail(crm: CRMFixture) {
        for values in [["first_name": "Jane"], ["email": "   "], ["email": ""]] {
            let result = RunPreparation.prepare(
                template: crm.template, mappings: crm.standardMappings, sources: ValueSources(conversation: values))
            #expect(result == .failure(.missingEmail))
        }
    }

    @Test("a malformed email means skipped invalid_email", arguments: CRMFixture.both)
    func invalidEmail(crm: CRMFixture) {
        let result = RunPreparation.prepare(
            template: crm.template, mappings: crm.standardMappings,
            sources: ValueSources(conversation: ["email": "jane at example.com"]))
        #expect(result == .failure(.invalidEmail))
    }

    @Test("the normalized email is the lookup key and the value created", arguments: CRMFixture.both)
    func normalizedEmailIsSent(crm: CRMFixture) throws {
        let run = try crm.prepared(["email": "  Jane@Example.COM ", "last_name": "Doe"])
        #expect(run.email == "jane@example.com")
        let plan = crm.planner(allowCreate: true, allowUpdateExisting: true).plan(run, matches: [])
        #expect(plan.write?.properties[crm.email] == "jane@example.com")
    }

    @Test("an email the CRM's email field cannot hold is skipped invalid_email")
    func emailTooLongForField() throws {
        let crm = CRMFixture.salesforce
        let long = String(repeating: "a", count: 60) + "@" + String(repeating: "b", count: 30) + ".com"
        let run = try crm.prepared(["email": long, "last_name": "Doe"])
        let plan = crm.planner(allowCreate: true, allowUpdateExisting: true).plan(run, matches: [])
        #expect(plan.outcome == .skipped)
        #expect(plan.reason == .invalidEmail)
    }
}
