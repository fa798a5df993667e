import Testing
import ContactSyncCore

/// The same scenario expressed in each CRM's field names and metadata.
struct CRMFixture: Sendable, CustomTestStringConvertible {
    let crm: CRM
    let template: Template
    let fields: [CRMField]
    let email: String
    let firstName: String
    let lastName: String
    let phone: String
    let summaryField: String
    let summaryLength: Int

    var testDescription: String { crm.rawValue }

    static let salesforce = CRMFixture(
        crm: .salesforce, template: .salesforceUpsertContact,
        fields: [
            CRMField(name: "Email", label: "Email", type: "email", length: 80),
            CRMField(name: "FirstName", label: "First Name", type: "string", length: 40),
            CRMField(name: "LastName", label: "Last Name", type: "string", length: 80, requiredOnCreate: true),
            CRMField(name: "Phone", label: "Business Phone", type: "phone", length: 40),
            CRMField(name: "Conversation_Summary__c", label: "Conversation Summary", type: "textarea", length: 131_072, custom: true),
            CRMField(name: "Description", label: "Description", type: "textarea", length: 32_000),
            CRMField(name: "Preferred_Channel__c", label: "Preferred Channel", type: "picklist", length: 255, custom: true,
                     picklistValues: ["Email", "Phone", "Chat"], restrictedPicklist: true),
            CRMField(name: "LeadSource", label: "Lead Source", type: "picklist", length: 255,
                     picklistValues: ["Web", "Phone Inquiry"]),
            CRMField(name: "Homepage__c", label: "Homepage", type: "url", length: 255, custom: true),
            CRMField(name: "Secondary_Email__c", label: "Secondary Email", type: "email", length: 80, custom: true),
            CRMField(name: "Birthdate", label: "Birthdate", type: "date"),
            CRMField(name: "Lifetime_Value__c", label: "Lifetime Value", type: "currency", custom: true),
            CRMField(name: "Name", label: "Full Name", type: "string", length: 121, createable: false, updateable: false),
            CRMField(name: "Score__c", label: "Score", type: "string", length: 20, createable: false, updateable: false,
                     calculated: true, custom: true),
            CRMField(name: "Legacy_Code__c", label: "Legacy Code", type: "string", length: 10, createable: true,
                     updateable: false, custom: true),
        ],
        email: "Email", firstName: "FirstName", lastName: "LastName", phone: "Phone",
        summaryField: "Conversation_Summary__c", summaryLength: 131_072)

    static let hubspot = CRMFixture(
        crm: .hubspot, template: .hubspotUpsertContact,
        fields: [
            CRMField(name: "email", label: "Email", type: "string", fieldType: "text", length: 65_536),
            CRMField(name: "firstname", label: "First Name", type: "string", fieldType: "text", length: 65_536),
            CRMField(name: "lastname", label: "Last Name", type: "string", fieldType: "text", length: 65_536),
            CRMField(name: "phone", label: "Phone Number", type: "string", fieldType: "phonenumber", length: 65_536),
            CRMField(name: "ai_conversation_summary", label: "AI conversation summary", type: "string",
                     fieldType: "textarea", length: 65_536, custom: true),
            CRMField(name: "company", label: "Company Name", type: "string", fieldType: "text", length: 65_536),
            CRMField(name: "notes_html", label: "Notes", type: "string", fieldType: "html", length: 65_536, custom: true),
            CRMField(name: "mobile", label: "Mobile", type: "phone_number", fieldType: "phonenumber", length: 65_536, custom: true),
            CRMField(name: "preferred_language", label: "Preferred language", type: "enumeration", fieldType: "select",
                     custom: true, picklistValues: ["en", "de"]),
            CRMField(name: "nps_score", label: "NPS score", type: "number", fieldType: "number", custom: true),
            CRMField(name: "hs_object_id", label: "Record ID", type: "number", fieldType: "number",
                     createable: false, updateable: false),
            CRMField(name: "hs_object_source_id", label: "Record creation source ID", type: "string", fieldType: "text",
                     createable: false, updateable: false),
            CRMField(name: "days_to_close", label: "Days to close", type: "string", fieldType: "text",
                     createable: false, updateable: false, calculated: true),
        ],
        email: "email", firstName: "firstname", lastName: "lastname", phone: "phone",
        summaryField: "ai_conversation_summary", summaryLength: 65_536)

    static let both: [CRMFixture] = [.hubspot, .salesforce]

    /// Email, first name, last name, phone and the summary field.
    var standardMappings: [FieldMapping] {
        [
            FieldMapping(crmField: email, agentField: "email"),
            FieldMapping(crmField: firstName, agentField: "first_name"),
            FieldMapping(crmField: lastName, agentField: "last_name"),
            FieldMapping(crmField: phone, agentField: "phone"),
            FieldMapping(crmField: summaryField, agentField: "summary"),
        ]
    }

    func planner(allowCreate: Bool, allowUpdateExisting: Bool, mappings: [FieldMapping]? = nil) -> RunPlanner {
        RunPlanner(
            template: template, mappings: mappings ?? standardMappings, allowCreate: allowCreate,
            allowUpdateExisting: allowUpdateExisting,
            fields: Dictionary(uniqueKeysWithValues: fields.map { ($0.name, $0) }))
    }

    /// Prepares a run from the given conversation values; fails the test if preparation skips.
    func prepared(
        _ values: [String: String], summary: String? = nil, mappings: [FieldMapping]? = nil
    ) throws -> PreparedRun {
        try RunPreparation.prepare(
            template: template, mappings: mappings ?? standardMappings,
            sources: ValueSources(conversation: values, conversationSummary: summary)
        ).get()
    }

    func action(mappings: [FieldMapping]? = nil, accountId: String = "acc_1") -> Action {
        Action(
            id: "act_1", template: template.id, name: "Save contact", intent: "Use when the customer shares details",
            offlineSync: false, accountId: accountId, allowCreate: true, allowUpdateExisting: true,
            mappings: mappings ?? standardMappings)
    }
}


let jane: [String: String] = ["email": "jane@example.com", "first_name": "Jane", "last_name": "Doe", "phone": "+1 555 0100"]
