import ContactSyncCore
import Testing

/// Tool input schemas (ARCHITECTURE §7): from the mappings and the account's field metadata.
@Suite("Tool schemas from mappings and field metadata")
struct ToolSchemaTests {
    static let mappings = [
        FieldMapping(crmField: "Email", agentField: "email"), FieldMapping(crmField: "LastName", agentField: "last_name"),
        FieldMapping(crmField: "Preferred_Channel__c", agentField: "channel"), FieldMapping(crmField: "LeadSource", agentField: "source"),
        FieldMapping(crmField: "Conversation_Summary__c", agentField: "summary"),
    ]

    @Test("a restricted picklist is an enum, a length maxLength, the template's required fields required; the summary is cut, not limited")
    func schemaFromMetadata() {
        let crm = CRMFixture.salesforce
        var action = crm.action(mappings: Self.mappings)
        action.toolName = "save_contact"
        let tool = ToolDefinition.make(action: action, template: crm.template, agentFields: [], fields: crm.fields)
        let properties = tool.function.parameters.properties
        #expect(tool.function.name == "save_contact")
        #expect(Set(properties.keys) == ["email", "last_name", "channel", "source", "summary"])
        #expect(properties["channel"]?.enum == ["Email", "Phone", "Chat"])
        #expect(properties["source"]?.enum == nil, "an unrestricted picklist takes any value")
        #expect(properties["last_name"]?.maxLength == 80)
        #expect(properties["email"]?.maxLength == 80)
        #expect(properties["summary"]?.maxLength == nil)
        #expect(tool.function.parameters.required == ["email", "last_name"])
        #expect(properties.values.allSatisfy { $0.type == "string" })
    }

    @Test("without metadata the schema still names every mapped field")
    func schemaWithoutMetadata() {
        let crm = CRMFixture.hubspot
        let tool = ToolDefinition.make(action: crm.action(), template: crm.template, agentFields: [])
        #expect(tool.function.parameters.required == ["email"])
        #expect(tool.function.parameters.properties.values.allSatisfy { $0.enum == nil && $0.maxLength == nil })
    }

    static let derivations: [(name: String, taken: Set<String>, expected: String)] = [
        ("Save contact to Salesforce", [], "save_contact_to_salesforce"),
        ("Save contact to Salesforce", ["save_contact_to_salesforce"], "save_contact_to_salesforce_2"),
        ("Save contact to Salesforce", ["save_contact_to_salesforce", "save_contact_to_salesforce_2"], "save_contact_to_salesforce_3"),
        ("¡¿!", [], "action"),
        (String(repeating: "a", count: 80), [String(repeating: "a", count: 64)], String(repeating: "a", count: 62) + "_2"),
    ]

    @Test("tool names are derived once, unique, and valid", arguments: 0..<5)
    func uniqueToolNames(index: Int) {
        let (name, taken, expected) = Self.derivations[index]
        let derived = Action.uniqueToolName(for: name, taken: taken)
        #expect(derived == expected)
        #expect(Action.isValidToolName(derived))
    }

    @Test("tool name format")
    func toolNameFormat() {
        #expect(Action.isValidToolName("save_contact_2"))
        for refused in ["Save", "", "a-b", String(repeating: "x", count: 65)] { #expect(!Action.isValidToolName(refused)) }
    }
}
