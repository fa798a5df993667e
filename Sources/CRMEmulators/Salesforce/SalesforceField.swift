/// One Contact field as `GET /sobjects/Contact/describe` reports it.
struct SalesforceField: Sendable {
    var name: String
    var label: String
    var type: String
    var length: Int = 0
    var createable = true
    var updateable = true
    var nillable = true
    var defaultedOnCreate = false
    var custom = false
    var calculated = false
    var filterable = true
    var idLookup = false
    var externalId = false
    var unique = false
    var restrictedPicklist = false
    var picklistValues: [String] = []
    var extraTypeInfo: String?
    var referenceTo: [String] = []

    var soapType: String {
        switch type {
        case "id", "reference": "tns:ID"
        case "boolean": "xsd:boolean"
        case "currency", "double", "percent": "xsd:double"
        case "int": "xsd:int"
        case "date": "xsd:date"
        case "datetime": "xsd:dateTime"
        default: "xsd:string"
        }
    }

    /// Whether values of this field are text.
    var isText: Bool { ["string", "textarea", "email", "phone", "url", "picklist", "combobox", "id", "reference"].contains(type) }

    var json: JSON {
        [
            "name": .string(name), "label": .string(label), "type": .string(type), "length": .int(length),
            "byteLength": .int(length * 3), "createable": .bool(createable), "updateable": .bool(updateable),
            "nillable": .bool(nillable), "defaultedOnCreate": .bool(defaultedOnCreate), "custom": .bool(custom),
            "calculated": .bool(calculated), "filterable": .bool(filterable), "sortable": .bool(filterable),
            "groupable": .bool(filterable && type != "textarea"), "idLookup": .bool(idLookup), "externalId": .bool(externalId),
            "unique": .bool(unique), "caseSensitive": false, "restrictedPicklist": .bool(restrictedPicklist),
            "picklistValues": .array(picklistValues.enumerated().map { index, value in
                ["active": true, "defaultValue": .bool(index == -1), "label": .string(value), "value": .string(value), "validFor": .null]
            }),
            "extraTypeInfo": extraTypeInfo.map(JSON.string) ?? .null, "soapType": .string(soapType),
            "referenceTo": .array(referenceTo.map(JSON.string)), "relationshipName": .null, "htmlFormatted": false,
            "autoNumber": false, "dependentPicklist": false, "encrypted": false, "inlineHelpText": .null,
            "defaultValue": .null, "precision": .int(type == "currency" ? 18 : 0), "scale": .int(type == "currency" ? 2 : 0),
            "digits": 0,
        ]
    }

    /// The Contact schema: standard fields plus the fixed custom fields of ARCHITECTURE §10.
    static let contact: [SalesforceField] = [
        .init(name: "Id", label: "Contact ID", type: "id", length: 18, createable: false, updateable: false, nillable: false, defaultedOnCreate: true, idLookup: true),
        .init(name: "IsDeleted", label: "Deleted", type: "boolean", createable: false, updateable: false, nillable: false, defaultedOnCreate: true),
        .init(name: "AccountId", label: "Account ID", type: "reference", length: 18, referenceTo: ["Account"]),
        .init(name: "LastName", label: "Last Name", type: "string", length: 80, nillable: false),
        .init(name: "FirstName", label: "First Name", type: "string", length: 40),
        .init(name: "Salutation", label: "Salutation", type: "picklist", length: 40, picklistValues: ["Mr.", "Ms.", "Mrs.", "Dr.", "Prof."]),
        .init(name: "Name", label: "Full Name", type: "string", length: 121, createable: false, updateable: false, nillable: false, defaultedOnCreate: true, extraTypeInfo: "personname"),
        .init(name: "Email", label: "Email", type: "email", length: 80, idLookup: true),
        .init(name: "Phone", label: "Business Phone", type: "phone", length: 40),
        .init(name: "MobilePhone", label: "Mobile Phone", type: "phone", length: 40),
        .init(name: "Title", label: "Title", type: "string", length: 128),
        .init(name: "Department", label: "Department", type: "string", length: 80),
        .init(name: "LeadSource", label: "Lead Source", type: "picklist", length: 255, picklistValues: ["Web", "Phone Inquiry", "Partner Referral", "Purchased List", "Other"]),
        .init(name: "Birthdate", label: "Birthdate", type: "date"),
        .init(name: "Description", label: "Contact Description", type: "textarea", length: 32_000, filterable: false, extraTypeInfo: "plaintextarea"),
        .init(name: "HasOptedOutOfEmail", label: "Email Opt Out", type: "boolean", nillable: false, defaultedOnCreate: true),
        .init(name: "CreatedDate", label: "Created Date", type: "datetime", createable: false, updateable: false, nillable: false, defaultedOnCreate: true),
        .init(name: "CreatedById", label: "Created By ID", type: "reference", length: 18, createable: false, updateable: false, nillable: false, defaultedOnCreate: true, referenceTo: ["User"]),
        .init(name: "LastModifiedDate", label: "Last Modified Date", type: "datetime", createable: false, updateable: false, nillable: false, defaultedOnCreate: true),
        .init(name: "LastModifiedById", label: "Last Modified By ID", type: "reference", length: 18, createable: false, updateable: false, nillable: false, defaultedOnCreate: true, referenceTo: ["User"]),
        .init(name: "SystemModstamp", label: "System Modstamp", type: "datetime", createable: false, updateable: false, nillable: false, defaultedOnCreate: true),
        .init(name: "Conversation_Summary__c", label: "Conversation Summary", type: "textarea", length: 131_072, custom: true, filterable: false, extraTypeInfo: "plaintextarea"),
        .init(name: "Preferred_Channel__c", label: "Preferred Channel", type: "picklist", length: 255, custom: true, restrictedPicklist: true, picklistValues: ["Email", "Phone", "Chat"]),
        .init(name: "Lifetime_Value__c", label: "Lifetime Value", type: "currency", custom: true),
        .init(name: "External_Ref__c", label: "External Ref", type: "string", length: 64, custom: true, idLookup: true, externalId: true),
        .init(name: "Display_Label__c", label: "Display Label", type: "string", length: 1300, createable: false, updateable: false, custom: true, calculated: true),
    ]
}
