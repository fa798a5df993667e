import ContactSyncCore
import Testing

@Suite("Summary rules (ARCHITECTURE §3, step 5)")
struct SummaryRuleTests {
    @Test("Salesforce writes the summary into the mapped summary field on create and update")
    func salesforceSummaryField() throws {
        let crm = CRMFixture.salesforce
        let run = try crm.prepared(jane, summary: "Wants a demo.")
        let created = crm.planner(allowCreate: true, allowUpdateExisting: true).plan(run, matches: [])
        #expect(created.write?.properties["Conversation_Summary__c"] == "Wants a demo.")
        let updated = crm.planner(allowCreate: true, allowUpdateExisting: true)
            .plan(run, matches: [ContactMatch(id: "003A", createdByUs: false)])
        #expect(updated.write?.properties["Conversation_Summary__c"] == "Wants a demo.")
        #expect(updated.note == nil)
    }

    @Test("Salesforce with restricted updates writes only the summary field")
    func salesforceSummaryOnly() throws {
        let crm = CRMFixture.salesforce
        let run = try crm.prepared(jane, summary: "Wants a demo.")
        let plan = crm.planner(allowCreate: true, allowUpdateExisting: false)
            .plan(run, matches: [ContactMatch(id: "003A", createdByUs: false)])
        #expect(plan.outcome == .summaryOnly)
        #expect(plan.write == .update(contactId: "003A", properties: ["Conversation_Summary__c": "Wants a demo."]))
    }

    @Test("HubSpot writes a note whenever a summary is provided", arguments: [true, false])
    func hubspotNoteAlways(allowUpdateExisting: Bool) throws {
        let crm = CRMFixture.hubspot
        let run = try crm.prepared(jane, summary: "Wants a demo.")
        for matches in [[], [ContactMatch(id: "51", createdByUs: false)]] {
            let plan = crm.planner(allowCreate: true, allowUpdateExisting: allowUpdateExisting).plan(run, matches: matches)
            #expect(plan.note == "Wants a demo.")
        }
    }

    @Test("HubSpot writes the summary property with full updates only; restricted updates get the note alone")
    func hubspotSummaryPropertyOnlyWithFullUpdates() throws {
        let crm = CRMFixture.hubspot
        let run = try crm.prepared(jane, summary: "Wants a demo.")
        let existing = [ContactMatch(id: "51", createdByUs: false)]
        let full = crm.planner(allowCreate: true, allowUpdateExisting: true).plan(run, matches: existing)
        #expect(full.write?.properties["ai_conversation_summary"] == "Wants a demo.")
        let restricted = crm.planner(allowCreate: true, allowUpdateExisting: false).plan(run, matches: existing)
        #expect(restricted.write == nil)
        #expect(restricted.fieldsWritten.isEmpty)
        #expect(restricted.note == "Wants a demo.")
    }

    @Test("No summary means no note and no summary field", arguments: CRMFixture.both)
    func noSummaryNoNote(crm: CRMFixture) throws {
        let run = try crm.prepared(jane, summary: "   ")
        let plan = crm.planner(allowCreate: true, allowUpdateExisting: true).plan(run, matches: [])
        #expect(plan.note == nil)
        #expect(plan.write?.properties[crm.summaryField] == nil)
        #expect(!plan.fieldsWritten.contains(crm.summaryField))
    }

    @Test("The run's summary wins over the conversation's", arguments: CRMFixture.both)
    func runSummaryWins(crm: CRMFixture) throws {
        let sources = ValueSources(conversation: jane, runSummary: "From the tool call", conversationSummary: "From the chat")
        let run = try RunPreparation.prepare(template: crm.template, mappings: crm.standardMappings, sources: sources).get()
        #expect(run.summary == "From the tool call")
        let fallback = ValueSources(conversation: jane, runSummary: " ", conversationSummary: "From the chat")
        #expect(try RunPreparation.prepare(template: crm.template, mappings: crm.standardMappings, sources: fallback).get().summary == "From the chat")
    }

    @Test("the summary field is checked against its metadata like every value: a restricted picklist refuses a free text")
    func summaryFieldCheckedAgainstMetadata() throws {
        let crm = CRMFixture.salesforce
        let mappings = [
            FieldMapping(crmField: "Email", agentField: "email"), FieldMapping(crmField: "LastName", agentField: "last_name"),
            FieldMapping(crmField: "Preferred_Channel__c", agentField: "summary"),
        ]
        let free = try crm.prepared(jane, summary: "Call me back tomorrow.", mappings: mappings)
        let refused = crm.planner(allowCreate: true, allowUpdateExisting: true, mappings: mappings).plan(free, matches: [])
        #expect(refused.write?.properties["Preferred_Channel__c"] == nil)
        #expect(refused.fieldsSkipped.map(\.reason) == [.invalidPicklistValue])
        #expect(refused.warnings.map(\.code).contains(RunWarning.valueSkipped))
        let canonical = try crm.prepared(jane, summary: "phone", mappings: mappings)
        let accepted = crm.planner(allowCreate: true, allowUpdateExisting: true, mappings: mappings).plan(canonical, matches: [])
        #expect(accepted.write?.properties["Preferred_Channel__c"] == "Phone")
        #expect(accepted.fieldsWritten.contains("Preferred_Channel__c"))
    }
}
