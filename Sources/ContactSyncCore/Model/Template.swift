/// A kind of action in the action library, such as "HubSpot — create or update contact".
public struct Template: Sendable, Hashable, Codable, Identifiable {
    /// Stable identifier, e.g. `hubspot.upsert_contact`.
    public let id: String
    /// The name an operator sees.
    public let name: String
    /// The CRM the template writes to.
    public let crm: CRM
    /// CRM fields that must be mapped before an action of this template may be saved.
    public let requiredMappings: [String]
    /// The CRM field that holds the customer's email address: the lookup key.
    public let emailField: String
    /// The CRM field a contact created from a phone number alone carries it in.
    public var phoneField: String { crm == .hubspot ? "phone" : "Phone" }

    public init(id: String, name: String, crm: CRM, requiredMappings: [String], emailField: String) {
        self.id = id
        self.name = name
        self.crm = crm
        self.requiredMappings = requiredMappings
        self.emailField = emailField
    }

    /// "HubSpot — create or update contact".
    public static let hubspotUpsertContact = Template(
        id: "hubspot.upsert_contact",
        name: "HubSpot — create or update contact",
        crm: .hubspot,
        requiredMappings: ["email"],
        emailField: "email"
    )

    /// "Salesforce - create or update contact".
    public static let salesforceUpsertContact = Template(
        id: "salesforce.upsert_contact",
        name: "Salesforce - create or update contact",
        crm: .salesforce,
        requiredMappings: ["Email", "LastName"],
        emailField: "Email"
    )

    /// The action library, in display order.
    public static let all: [Template] = [hubspotUpsertContact, salesforceUpsertContact]

    /// The template with the given id, if the library has one.
    public static func named(_ id: String) -> Template? {
        all.first { $0.id == id }
    }
}
