import Foundation

/// One mapping row: a CRM field (left) filled from an agent field (right), with an optional default.
public struct FieldMapping: Sendable, Hashable, Codable {
    public var crmField: String
    public var agentField: String
    /// Used when no other source has a value for the agent field.
    public var defaultValue: String?

    public init(crmField: String, agentField: String, defaultValue: String? = nil) {
        self.crmField = crmField
        self.agentField = agentField
        self.defaultValue = defaultValue
    }

    /// Whether this row makes `crmField` the summary field.
    public var isSummary: Bool { agentField == AgentField.summaryKey }
}

/// A configured template: what an agent may do in one CRM account, and how values map.
public struct Action: Sendable, Hashable, Codable, Identifiable {
    public var id: String
    /// The template id, e.g. `salesforce.upsert_contact`.
    public var template: String
    public var name: String
    /// Tells the agent's language model when to use the action.
    public var intent: String
    /// Off: runs when the agent calls it. On: runs once after the conversation ends.
    public var offlineSync: Bool
    public var accountId: String
    /// "Allow creating & updating new contacts".
    public var allowCreate: Bool
    /// "Allow updating existing fields" of contacts contact-sync did not create.
    public var allowUpdateExisting: Bool
    public var enabled: Bool
    public var mappings: [FieldMapping]

    public init(
        id: String, template: String, name: String, intent: String, offlineSync: Bool, accountId: String,
        allowCreate: Bool, allowUpdateExisting: Bool, enabled: Bool = true, mappings: [FieldMapping]
    ) {
        self.id = id
        self.template = template
        self.name = name
        self.intent = intent
        self.offlineSync = offlineSync
        self.accountId = accountId
        self.allowCreate = allowCreate
        self.allowUpdateExisting = allowUpdateExisting
        self.enabled = enabled
        self.mappings = mappings
    }

    /// The CRM field mapped to the summary, if any.
    public var summaryField: String? { mappings.first(where: \.isSummary)?.crmField }
}
