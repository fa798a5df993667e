/// What the decision table allows for one run (ARCHITECTURE §3, step 4), before the summary rules.
public enum ContactDecision: Sendable, Hashable {
    /// Create a contact with every mapped value.
    case create
    /// Write every mapped value to the existing contact.
    case updateAll(contactId: String)
    /// Write only the summary to the existing contact.
    case summaryOnly(contactId: String)
    /// Write nothing.
    case skip(SkipReason)

    /// The decision table.
    /// - Parameters:
    ///   - existing: the contact the lookup found, if any.
    ///   - allowCreate: "Allow creating & updating new contacts".
    ///   - allowUpdateExisting: "Allow updating existing fields".
    public static func decide(existing: ContactMatch?, allowCreate: Bool, allowUpdateExisting: Bool) -> Self {
        guard let existing else { return allowCreate ? .create : .skip(.creationDisabled) }
        if existing.createdByUs && allowCreate { return .updateAll(contactId: existing.id) }
        return allowUpdateExisting ? .updateAll(contactId: existing.id) : .summaryOnly(contactId: existing.id)
    }
}
