/// A CRM that contact-sync writes contacts to.
public enum CRM: String, Sendable, Hashable, Codable, CaseIterable {
    case hubspot
    case salesforce
}
