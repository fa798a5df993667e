import ContactSyncCore
import Testing

@Suite("Configuration rules (ARCHITECTURE §2)")
struct ConfigurationRuleTests {
    let agentFields: Set<String> = Set(AgentField.builtIns.map(\.key)).union(["channel"])

    private func problems(_ crm: CRMFixture, _ mappings: [FieldMapping], accountCRM: CRM? = nil) -> [ValidationProblem] {
        ActionValidator.problems(
            for: crm.action(mappings: mappings),
            account: .init(crm: accountCRM ?? crm.crm, fields: crm.fields), agentFields: agentFields)
    }

    @Test("a valid action has no problems", arguments: CRMFixture.both)
    func validAction(crm: CRMFixture) {
        #expect(problems(crm, crm.standardMappings).isEmpty)
    }

    @Test("required mappings: Salesforce needs Email and LastName, HubSpot needs email")
    func requiredMappings() {
        let sf = problems(.salesforce, [FieldMapping(crmField: "FirstName", agentField: "first_name")])
        #expect(sf.filter { $0.code == .requiredMappingMissing }.map(\.crmField) == ["Email", "LastName"])
        let sfNoLast = problems(.salesforce, [FieldMapping(crmField: "Email", agentField: "email")])
        #expect(sfNoLast.map(\.code) == [.requiredMappingMissing])
        #expect(sfNoLast.first?.message.contains("will not run") == true)
        let hs = problems(.hubspot, [FieldMapping(crmField: "firstname", agentField: "first_name")])
        #expect(hs.filter { $0.code == .requiredMappingMissing }.map(\.crmField) == ["email"])
        #expect(problems(.hubspot, [FieldMapping(crmField: "email", agentField: "email")]).isEmpty)
    }

    @Test("unsupported, read-only and calculated fields cannot be mapped", arguments: [
        (CRMFixture.salesforce, "Birthdate", NotMappableReason.unsupportedType),
        (CRMFixture.salesforce, "Lifetime_Value__c", .unsupportedType),
        (CRMFixture.salesforce, "Name", .readOnly),
        (CRMFixture.salesforce, "Legacy_Code__c", .readOnly),
        (CRMFixture.salesforce, "Score__c", .calculated),
        (CRMFixture.hubspot, "preferred_language", .unsupportedType),
        (CRMFixture.hubspot, "nps_score", .unsupportedType),
        (CRMFixture.hubspot, "hs_object_id", .unsupportedType),
        (CRMFixture.hubspot, "hs_object_source_id", .readOnly),
        (CRMFixture.hubspot, "days_to_close", .calculated),
    ])
    func fieldNotMappable(crm: CRMFixture, field: String, reason: NotMappableReason) {
        let found = problems(crm, crm.standardMappings + [FieldMapping(crmField: field, agentField: "channel")])
        #expect(found == [ValidationProblem(code: .fieldNotMappable, message: "\(field) cannot be mapped: \(reason.rawValue).", crmField: field, reason: reason)])
    }

    @Test("text-like fields are mappable, standard and custom alike", arguments: [
        (CRMFixture.salesforce, ["Email", "FirstName", "Phone", "Description", "Conversation_Summary__c", "Preferred_Channel__c", "Homepage__c"]),
        (CRMFixture.hubspot, ["email", "firstname", "phone", "ai_conversation_summary", "notes_html", "mobile", "company"]),
    ])
    func mappableFields(crm: CRMFixture, names: [String]) {
        for name in names {
            let field = crm.fields.first { $0.name == name }
            #expect(field?.isMappable(in: crm.crm) == true, "\(name)")
        }
    }

    @Test("unknown CRM fields and unknown agent fields are reported")
    func unknownFields() {
        let found = problems(.salesforce, CRMFixture.salesforce.standardMappings + [
            FieldMapping(crmField: "Foo__c", agentField: "first_name"),
            FieldMapping(crmField: "Title", agentField: "x"),
        ])
        #expect(found.map(\.code) == [.unknownCRMField, .unknownCRMField, .unknownAgentField])
        #expect(found.last?.agentField == "x")
    }

    @Test("each CRM field appears at most once")
    func duplicateCRMField() {
        let found = problems(.hubspot, CRMFixture.hubspot.standardMappings + [FieldMapping(crmField: "email", agentField: "first_name")])
        #expect(found.map(\.code) == [.duplicateCRMField])
        #expect(found.first?.crmField == "email")
    }

    @Test("an unknown account and a template of the other CRM are reported")
    func accountProblems() {
        let noAccount = ActionValidator.problems(for: CRMFixture.hubspot.action(), account: nil, agentFields: agentFields)
        #expect(noAccount.map(\.code) == [.accountNotFound])
        let mismatch = problems(.hubspot, CRMFixture.hubspot.standardMappings, accountCRM: .salesforce)
        #expect(mismatch.map(\.code) == [.templateCRMMismatch])
    }

    @Test("every problem is listed at once")
    func everyProblemAtOnce() {
        var action = CRMFixture.salesforce.action(mappings: [
            FieldMapping(crmField: "Birthdate", agentField: "first_name"),
            FieldMapping(crmField: "Nope__c", agentField: "ghost"),
            FieldMapping(crmField: "Birthdate", agentField: "last_name"),
        ])
        action.name = "  "
        action.intent = ""
        let found = ActionValidator.problems(
            for: action, account: .init(crm: .salesforce, fields: CRMFixture.salesforce.fields), agentFields: agentFields)
        #expect(found.map(\.code) == [
            .nameRequired, .intentRequired, .fieldNotMappable, .unknownCRMField, .unknownAgentField,
            .duplicateCRMField, .requiredMappingMissing, .requiredMappingMissing,
        ])
    }

    @Test("an offline-sync action needs no intent; an unknown template is reported")
    func intentAndTemplate() {
        var action = CRMFixture.hubspot.action()
        action.intent = ""
        action.offlineSync = true
        #expect(ActionValidator.problems(for: action, account: .init(crm: .hubspot, fields: CRMFixture.hubspot.fields), agentFields: agentFields).isEmpty)
        action.template = "pipedrive.upsert_contact"
        #expect(ActionValidator.problems(for: action, account: .init(crm: .hubspot, fields: CRMFixture.hubspot.fields), agentFields: agentFields).map(\.code) == [.unknownTemplate])
    }

    @Test("mapping a CRM field to summary makes it the summary field", arguments: CRMFixture.both)
    func summaryField(crm: CRMFixture) {
        #expect(crm.action().summaryField == crm.summaryField)
        #expect(crm.action(mappings: Array(crm.standardMappings.dropLast())).summaryField == nil)
    }
}

@Suite("The action library and agent fields")
struct LibraryTests {
    @Test("templates carry their required mappings and email field")
    func templates() {
        #expect(Template.named("salesforce.upsert_contact")?.requiredMappings == ["Email", "LastName"])
        #expect(Template.named("salesforce.upsert_contact")?.emailField == "Email")
        #expect(Template.named("hubspot.upsert_contact")?.requiredMappings == ["email"])
        #expect(Template.named("hubspot.upsert_contact")?.name == "HubSpot — create or update contact")
        #expect(Template.named("nope") == nil)
    }

    @Test("built-in agent fields")
    func builtIns() {
        #expect(AgentField.builtIns.map(\.key) == ["email", "first_name", "last_name", "phone", "company", "summary"])
        #expect(AgentField.builtIns.allSatisfy { $0.builtIn })
    }

    @Test("agent field keys", arguments: [("company_size", true), ("a", true), ("x9_y", true), ("Company", false), ("9lives", false), ("", false), ("with space", false), ("ümlaut", false), (String(repeating: "a", count: 65), false)])
    func agentFieldKeys(key: String, valid: Bool) {
        #expect(AgentField.isValidKey(key) == valid)
    }
}
