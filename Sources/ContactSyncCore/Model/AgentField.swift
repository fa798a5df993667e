/// A named value an agent collects during a conversation (`email`, `first_name`, custom ones).
public struct AgentField: Sendable, Hashable, Codable {
    /// Machine key, e.g. `company_size`.
    public var key: String
    /// Human label, e.g. "Company size".
    public var label: String
    /// Whether the field ships with contact-sync (and so cannot be deleted).
    public var builtIn: Bool
    /// Whether the value is also remembered per customer (by email) across conversations.
    public var contactAttribute: Bool

    public init(key: String, label: String, builtIn: Bool = false, contactAttribute: Bool = false) {
        self.key = key
        self.label = label
        self.builtIn = builtIn
        self.contactAttribute = contactAttribute
    }

    /// The special field that carries the conversation summary.
    public static let summaryKey = "summary"
    /// The field that carries the customer's email address.
    public static let emailKey = "email"
    /// The agent field that holds the customer's phone number (matching by phone reads it).
    public static let phoneKey = "phone"

    /// The fields every installation has.
    public static let builtIns: [AgentField] = [
        AgentField(key: "email", label: "Email", builtIn: true),
        AgentField(key: "first_name", label: "First name", builtIn: true, contactAttribute: true),
        AgentField(key: "last_name", label: "Last name", builtIn: true, contactAttribute: true),
        AgentField(key: "phone", label: "Phone", builtIn: true, contactAttribute: true),
        AgentField(key: "company", label: "Company", builtIn: true, contactAttribute: true),
        AgentField(key: summaryKey, label: "Conversation summary", builtIn: true),
    ]

    /// Whether `key` is acceptable for a new field: a lowercase letter, then up to 63 lowercase
    /// letters, digits or underscores.
    public static func isValidKey(_ key: String) -> Bool {
        guard let first = key.unicodeScalars.first, ("a"..."z").contains(first), key.unicodeScalars.count <= 64
        else { return false }
        return key.unicodeScalars.allSatisfy { ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "_" }
    }
}
