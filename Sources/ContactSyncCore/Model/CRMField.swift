/// A CRM contact field as the account's live metadata describes it (Salesforce describe,
/// HubSpot properties), reduced to what contact-sync needs.
public struct CRMField: Sendable, Hashable, Codable {
    /// API name, e.g. `LastName` or `firstname`.
    public var name: String
    public var label: String
    /// The CRM's own type: Salesforce `string`, `email`, `picklist`, …; HubSpot `string`, `enumeration`, ….
    public var type: String
    /// HubSpot's `fieldType` (`text`, `textarea`, `select`, …); nil for Salesforce.
    public var fieldType: String?
    /// Maximum length in UTF-16 code units, when the CRM limits it.
    public var length: Int?
    /// The CRM refuses a create without a value for this field (Salesforce `LastName`).
    public var requiredOnCreate: Bool
    public var createable: Bool
    public var updateable: Bool
    /// A formula or otherwise computed field.
    public var calculated: Bool
    public var custom: Bool
    /// Allowed values of a picklist, in their canonical spelling.
    public var picklistValues: [String]?
    /// Whether only `picklistValues` are accepted.
    public var restrictedPicklist: Bool

    public init(
        name: String, label: String, type: String, fieldType: String? = nil, length: Int? = nil,
        requiredOnCreate: Bool = false, createable: Bool = true, updateable: Bool = true,
        calculated: Bool = false, custom: Bool = false, picklistValues: [String]? = nil,
        restrictedPicklist: Bool = false
    ) {
        self.name = name
        self.label = label
        self.type = type
        self.fieldType = fieldType
        self.length = length
        self.requiredOnCreate = requiredOnCreate
        self.createable = createable
        self.updateable = updateable
        self.calculated = calculated
        self.custom = custom
        self.picklistValues = picklistValues
        self.restrictedPicklist = restrictedPicklist
    }
}
