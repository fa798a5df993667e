/// The write a run makes to the contact itself.
public enum ContactWrite: Sendable, Hashable {
    case create(properties: [String: String])
    case update(contactId: String, properties: [String: String])

    /// The properties sent.
    public var properties: [String: String] {
        switch self {
        case .create(let properties), .update(_, let properties): properties
        }
    }
}

/// Everything a run will do, decided from its values, the lookup and the field metadata.
/// The runtime carries it out; a dry run reports it.
public struct RunPlan: Sendable, Hashable {
    public var outcome: RunOutcome
    /// Set when `outcome` is `skipped`.
    public var reason: SkipReason?
    /// For `missing_required_value`, the CRM field lacking a value.
    public var reasonDetail: String?
    /// The contact the lookup chose, if any.
    public var existingContactId: String?
    /// The contact write, if one is needed.
    public var write: ContactWrite?
    /// HubSpot: the text of the note to create or update on the contact.
    public var note: String?
    /// CRM fields written, in mapping order.
    public var fieldsWritten: [String]
    public var fieldsSkipped: [SkippedField]
    public var warnings: [RunWarning]

    static func skipped(
        _ reason: SkipReason, detail: String? = nil, existing: String? = nil,
        fieldsSkipped: [SkippedField] = [], warnings: [RunWarning] = []
    ) -> RunPlan {
        RunPlan(
            outcome: .skipped, reason: reason, reasonDetail: detail, existingContactId: existing, write: nil,
            note: nil, fieldsWritten: [], fieldsSkipped: fieldsSkipped, warnings: warnings)
    }
}
