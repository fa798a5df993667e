import Foundation

/// A HubSpot contact property definition, as `GET /crm/v3/properties/contacts` lists it.
struct HubSpotProperty: Sendable {
    var name: String
    var label: String
    var type: String
    var fieldType: String
    var groupName: String = "contactinformation"
    var description: String = ""
    var options: [String] = []
    var readOnlyValue: Bool = false
    var calculated: Bool = false
    var hubspotDefined: Bool = true
    var hidden: Bool = false
    var hasUniqueValue: Bool = false
    var createdAt: Date = Date(timeIntervalSince1970: 1_600_000_000)

    var json: JSON {
        var object: [String: JSON] = [
            "name": .string(name), "label": .string(label), "type": .string(type), "fieldType": .string(fieldType),
            "groupName": .string(groupName), "description": .string(description),
            "options": .array(options.enumerated().map { index, value in
                ["label": .string(value), "value": .string(value), "displayOrder": .int(index), "hidden": false]
            }),
            "calculated": .bool(calculated), "externalOptions": false, "hasUniqueValue": .bool(hasUniqueValue),
            "hidden": .bool(hidden), "formField": .bool(!readOnlyValue), "displayOrder": -1,
            "archived": false, "dataSensitivity": "non_sensitive",
            "modificationMetadata": [
                "archivable": .bool(!hubspotDefined), "readOnlyDefinition": .bool(hubspotDefined),
                "readOnlyValue": .bool(readOnlyValue),
            ],
            "createdAt": .string(Timestamps.iso(createdAt)), "updatedAt": .string(Timestamps.iso(createdAt)),
        ]
        // Real responses omit hubspotDefined on custom properties rather than sending false.
        if hubspotDefined { object["hubspotDefined"] = true }
        return .object(object)
    }

    /// The standard and fixed custom contact properties of ARCHITECTURE §10.
    static let contactDefaults: [HubSpotProperty] = [
        .init(name: "email", label: "Email", type: "string", fieldType: "text", hasUniqueValue: true),
        .init(name: "firstname", label: "First Name", type: "string", fieldType: "text"),
        .init(name: "lastname", label: "Last Name", type: "string", fieldType: "text"),
        .init(name: "phone", label: "Phone Number", type: "string", fieldType: "phonenumber"),
        .init(name: "company", label: "Company Name", type: "string", fieldType: "text"),
        .init(name: "jobtitle", label: "Job Title", type: "string", fieldType: "text"),
        .init(name: "website", label: "Website URL", type: "string", fieldType: "text"),
        .init(name: "city", label: "City", type: "string", fieldType: "text"),
        .init(
            name: "lifecyclestage", label: "Lifecycle Stage", type: "enumeration", fieldType: "radio",
            options: ["subscriber", "lead", "marketingqualifiedlead", "salesqualifiedlead", "opportunity", "customer", "evangelist", "other"]),
        .init(name: "hs_additional_emails", label: "Additional email addresses", type: "enumeration", fieldType: "select"),
        .init(name: "hs_email_domain", label: "Email Domain", type: "string", fieldType: "text", readOnlyValue: true, calculated: true),
        .init(name: "mobilephone", label: "Mobile Phone Number", type: "string", fieldType: "phonenumber"),
        .init(name: "hs_searchable_calculated_phone_number", label: "Phone Number (searchable)", type: "string", fieldType: "text", readOnlyValue: true, calculated: true),
        .init(name: "hs_searchable_calculated_mobile_number", label: "Mobile Phone Number (searchable)", type: "string", fieldType: "text", readOnlyValue: true, calculated: true),
        .init(
            name: "hs_searchable_calculated_international_phone_number", label: "Phone Number with country code (searchable)", type: "string", fieldType: "text",
            readOnlyValue: true, calculated: true),
        .init(
            name: "hs_searchable_calculated_international_mobile_number", label: "Mobile Phone Number with country code (searchable)", type: "string",
            fieldType: "text", readOnlyValue: true, calculated: true),
        .init(name: "hs_object_id", label: "Record ID", type: "number", fieldType: "number", readOnlyValue: true),
        .init(name: "createdate", label: "Create Date", type: "datetime", fieldType: "date", readOnlyValue: true),
        .init(name: "lastmodifieddate", label: "Last Modified Date", type: "datetime", fieldType: "date", readOnlyValue: true),
        .init(name: "hs_object_source", label: "Record creation source", type: "string", fieldType: "text", readOnlyValue: true, hidden: true),
        .init(name: "hs_object_source_id", label: "Record creation source ID", type: "string", fieldType: "text", readOnlyValue: true, hidden: true),
        .init(name: "hs_object_source_label", label: "Record source", type: "enumeration", fieldType: "select", readOnlyValue: true),
        .init(name: "hs_object_source_detail_1", label: "Record source detail 1", type: "string", fieldType: "text", readOnlyValue: true),
        .init(
            name: "ai_conversation_summary", label: "AI conversation summary", type: "string", fieldType: "textarea",
            description: "Summary of the latest AI agent conversation", hubspotDefined: false),
        .init(
            name: "preferred_language", label: "Preferred language", type: "enumeration", fieldType: "select",
            options: ["en", "de", "fr", "es"], hubspotDefined: false),
        .init(name: "nps_score", label: "NPS score", type: "number", fieldType: "number", hubspotDefined: false),
    ]

    /// The note properties the emulator accepts.
    static let noteProperties: Set<String> = ["hs_timestamp", "hs_note_body", "hubspot_owner_id", "hs_attachment_ids"]
    /// The Call engagement's properties a client writes.
    static let callProperties: Set<String> = [
        "hs_timestamp", "hs_call_body", "hs_call_title", "hs_call_direction", "hs_call_duration", "hs_call_from_number", "hs_call_to_number",
        "hs_call_status", "hs_call_recording_url", "hs_call_disposition", "hubspot_owner_id",
    ]
    /// Allowed values of the Call's enumeration properties.
    static let callOptions: [String: Set<String>] = [
        "hs_call_direction": ["INBOUND", "OUTBOUND"],
        "hs_call_status": ["BUSY", "CALLING_CRM_USER", "CANCELED", "COMPLETED", "CONNECTING", "FAILED", "IN_PROGRESS", "NO_ANSWER", "QUEUED", "RINGING"],
    ]
}
