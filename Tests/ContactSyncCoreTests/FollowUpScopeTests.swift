import ContactSyncCore
import Testing

/// What a follow-up writes (ARCHITECTURE §4).
@Suite struct FollowUpScopeTests {
    static let mappings = [
        FieldMapping(crmField: "Email", agentField: "email"), FieldMapping(crmField: "FirstName", agentField: "first_name"),
        FieldMapping(crmField: "LastName", agentField: "last_name"), FieldMapping(crmField: "Conversation_Summary__c", agentField: "summary"),
    ]

    @Test("after a run that chose a contact, a follow-up writes the changed values and the email to that contact")
    func changesOnly() {
        let scope = FollowUpScope.of(RunInput(fields: ["first_name": "Ada"]), chosenContact: "003A", mappings: Self.mappings, emailField: "Email")
        #expect(scope == .changes(contactId: "003A", mappings: [Self.mappings[0], Self.mappings[1]]))
    }

    @Test("a late summary writes the summary mapping")
    func lateSummary() {
        let scope = FollowUpScope.of(RunInput(summary: "Final."), chosenContact: "003A", mappings: Self.mappings, emailField: "Email")
        #expect(scope == .changes(contactId: "003A", mappings: [Self.mappings[0], Self.mappings[3]]))
    }

    @Test("after a run that chose no contact (skipped, say for a missing email), the follow-up runs in full")
    func fullAfterSkip() {
        #expect(FollowUpScope.of(RunInput(fields: ["email": "late@example.com"]), chosenContact: nil, mappings: Self.mappings, emailField: "Email") == .full)
    }
}
