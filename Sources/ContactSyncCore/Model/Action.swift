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

/// How a run finds its customer's contact (DESIGN §2.5).
public enum ContactMatchMode: String, Sendable, Hashable, Codable, CaseIterable {
    /// By email only (the seeds).
    case email
    /// By email; with no email, or no contact with it, by the phone number (E.164, the agent's default country).
    case emailThenPhone = "email_then_phone"
}

/// How a conversation is logged on the contact (DESIGN §2.5): HubSpot `note` (the seeds) or `call` (a Call
/// engagement); Salesforce `summary_field` (the seeds) or `task` (also a Task, subtype Call).
public enum ActivityLog: String, Sendable, Hashable, Codable, CaseIterable {
    case note
    case call
    case summaryField = "summary_field"
    case task

    /// The seeds' way for `crm`.
    public static func standard(for crm: CRM) -> ActivityLog { crm == .hubspot ? .note : .summaryField }

    /// Whether `crm` logs this way.
    public func applies(to crm: CRM) -> Bool {
        switch self {
        case .note, .call: crm == .hubspot
        case .summaryField, .task: crm == .salesforce
        }
    }
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
    /// The name agents call it by (MCP and function tools): `^[a-z0-9_]{1,64}$`, unique, stable — derived
    /// from the name once, when the action is created, and changed only on purpose.
    public var toolName: String
    /// How the customer's contact is found.
    public var match: ContactMatchMode
    /// How the conversation is logged; nil: the seeds' way for the action's CRM.
    public var logAs: ActivityLog?

    public init(
        id: String, template: String, name: String, intent: String, offlineSync: Bool, accountId: String,
        allowCreate: Bool, allowUpdateExisting: Bool, enabled: Bool = true, mappings: [FieldMapping], toolName: String = "",
        match: ContactMatchMode = .email, logAs: ActivityLog? = nil
    ) {
        self.toolName = toolName
        self.match = match
        self.logAs = logAs
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

    /// Whether `name` can be a tool name: 1 to 64 lowercase ASCII letters, digits and underscores.
    public static func isValidToolName(_ name: String) -> Bool {
        (1...64).contains(name.utf8.count) && name.utf8.allSatisfy { (97...122).contains($0) || (48...57).contains($0) || $0 == 95 }
    }

    /// A tool name for `name` that is not among `taken`: derived as `ToolDefinition.toolName`, with `_2`,
    /// `_3`, … added when needed.
    public static func uniqueToolName(for name: String, taken: Set<String>) -> String {
        let base = ToolDefinition.toolName(name)
        var candidate = base
        var suffix = 2
        while taken.contains(candidate) {
            let tail = "_\(suffix)"
            candidate = String(base.prefix(64 - tail.count)) + tail
            suffix += 1
        }
        return candidate
    }

    /// The CRM field mapped to the summary, if any.
    public var summaryField: String? { mappings.first(where: \.isSummary)?.crmField }

    /// Whether an agent that has this action offers it as a tool: enabled and run in conversation.
    public var isTool: Bool { enabled && !offlineSync }

    /// Whether an agent that has this action offers it as the tool `name`.
    public func offers(tool name: String) -> Bool { isTool && toolName == name }
}
