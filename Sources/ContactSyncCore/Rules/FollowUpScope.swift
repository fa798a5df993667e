/// What a follow-up writes (ARCHITECTURE §4): late changes go to the contact the run it follows chose, and
/// only the mappings whose values changed (with the email, to find the customer); when that run chose no
/// contact (it was skipped, say for a missing email), the follow-up runs in full, decided afresh.
public enum FollowUpScope: Sendable, Hashable {
    /// Write the changed mappings to this contact.
    case changes(contactId: String, mappings: [FieldMapping])
    /// Run in full: the conversation's current values, summary and extraction.
    case full

    /// The scope of a follow-up carrying `input`, after a first run that chose `chosenContact`.
    public static func of(_ input: RunInput, chosenContact: String?, mappings: [FieldMapping], emailField: String) -> FollowUpScope {
        guard let chosenContact else { return .full }
        let changed = mappings.filter { mapping in
            mapping.crmField == emailField || input.fields[mapping.agentField] != nil || (mapping.isSummary && input.summary != nil)
        }
        return .changes(contactId: chosenContact, mappings: changed)
    }
}
