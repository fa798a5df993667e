import ContactSyncCore
import Testing

/// One row of ARCHITECTURE §3, step 4, with the "any" columns spelled out.
struct DecisionRow: Sendable, CustomTestStringConvertible {
    enum Found: Sendable { case none, ours, theirs }
    enum Expect: Sendable, Equatable { case create, updateAll, summaryOnly, skip(SkipReason) }

    let found: Found
    let allowCreate: Bool
    let allowUpdateExisting: Bool
    let expect: Expect

    var testDescription: String {
        "found=\(found) create=\(allowCreate ? "ON" : "OFF") update=\(allowUpdateExisting ? "ON" : "OFF") → \(expect)"
    }

    static let table: [DecisionRow] = [
        // no contact, create ON, update any → created
        .init(found: .none, allowCreate: true, allowUpdateExisting: true, expect: .create),
        .init(found: .none, allowCreate: true, allowUpdateExisting: false, expect: .create),
        // no contact, create OFF → skipped creation_disabled
        .init(found: .none, allowCreate: false, allowUpdateExisting: true, expect: .skip(.creationDisabled)),
        .init(found: .none, allowCreate: false, allowUpdateExisting: false, expect: .skip(.creationDisabled)),
        // ours, create ON, update any → updated
        .init(found: .ours, allowCreate: true, allowUpdateExisting: true, expect: .updateAll),
        .init(found: .ours, allowCreate: true, allowUpdateExisting: false, expect: .updateAll),
        // not ours (create any) or ours with create OFF, update ON → updated
        .init(found: .theirs, allowCreate: true, allowUpdateExisting: true, expect: .updateAll),
        .init(found: .theirs, allowCreate: false, allowUpdateExisting: true, expect: .updateAll),
        .init(found: .ours, allowCreate: false, allowUpdateExisting: true, expect: .updateAll),
        // not ours or ours with create OFF, update OFF → summary only
        .init(found: .theirs, allowCreate: true, allowUpdateExisting: false, expect: .summaryOnly),
        .init(found: .theirs, allowCreate: false, allowUpdateExisting: false, expect: .summaryOnly),
        .init(found: .ours, allowCreate: false, allowUpdateExisting: false, expect: .summaryOnly),
    ]

    var matches: [ContactMatch] {
        switch found {
        case .none: []
        case .ours: [ContactMatch(id: "c-1", createdByUs: true)]
        case .theirs: [ContactMatch(id: "c-1", createdByUs: false)]
        }
    }
}

@Suite("Decision table (ARCHITECTURE §3, step 4)")
struct DecisionTableTests {
    @Test("each row decides as the table says", arguments: DecisionRow.table)
    func decisionTableRow(row: DecisionRow) {
        let decision = ContactDecision.decide(
            existing: row.matches.first, allowCreate: row.allowCreate, allowUpdateExisting: row.allowUpdateExisting)
        switch row.expect {
        case .create: #expect(decision == .create)
        case .updateAll: #expect(decision == .updateAll(contactId: "c-1"))
        case .summaryOnly: #expect(decision == .summaryOnly(contactId: "c-1"))
        case .skip(let reason): #expect(decision == .skip(reason))
        }
    }

    @Test("each row writes what the table says, for both CRMs", arguments: CRMFixture.both, DecisionRow.table)
    func decisionTableWrites(crm: CRMFixture, row: DecisionRow) throws {
        let run = try crm.prepared(jane, summary: "Asked about pricing.")
        let plan = crm.planner(allowCreate: row.allowCreate, allowUpdateExisting: row.allowUpdateExisting)
            .plan(run, matches: row.matches)
        switch row.expect {
        case .create:
            #expect(plan.outcome == .created)
            #expect(plan.reason == nil)
            #expect(plan.write == .create(properties: [
                crm.email: "jane@example.com", crm.firstName: "Jane", crm.lastName: "Doe",
                crm.phone: "+1 555 0100", crm.summaryField: "Asked about pricing.",
            ]))
            #expect(plan.fieldsWritten == [crm.email, crm.firstName, crm.lastName, crm.phone, crm.summaryField])
        case .updateAll:
            #expect(plan.outcome == .updated)
            // The email matched; it is not rewritten.
            #expect(plan.write == .update(contactId: "c-1", properties: [
                crm.firstName: "Jane", crm.lastName: "Doe", crm.phone: "+1 555 0100",
                crm.summaryField: "Asked about pricing.",
            ]))
        case .summaryOnly:
            #expect(plan.outcome == .summaryOnly)
            #expect(plan.existingContactId == "c-1")
            switch crm.crm {
            case .salesforce:
                #expect(plan.write == .update(contactId: "c-1", properties: [crm.summaryField: "Asked about pricing."]))
                #expect(plan.fieldsWritten == [crm.summaryField])
            case .hubspot:
                #expect(plan.write == nil)
                #expect(plan.fieldsWritten.isEmpty)
            }
        case .skip(let reason):
            #expect(plan.outcome == .skipped)
            #expect(plan.reason == reason)
            #expect(plan.write == nil)
            #expect(plan.note == nil)
        }
        // HubSpot: a note whenever a summary exists and the run writes anything.
        if crm.crm == .hubspot, plan.outcome != .skipped {
            #expect(plan.note == "Asked about pricing.")
        }
        if crm.crm == .salesforce { #expect(plan.note == nil) }
    }

    @Test("restricted updates without a summary to write are skipped (updates_disabled)", arguments: CRMFixture.both)
    func updatesDisabledWithoutSummary(crm: CRMFixture) throws {
        let run = try crm.prepared(jane, summary: nil)
        for matches in [[ContactMatch(id: "c-1", createdByUs: false)], [ContactMatch(id: "c-1", createdByUs: true)]] {
            let plan = crm.planner(allowCreate: false, allowUpdateExisting: false).plan(run, matches: matches)
            #expect(plan.outcome == .skipped)
            #expect(plan.reason == .updatesDisabled)
            #expect(plan.write == nil)
        }
    }

    @Test("Salesforce: restricted updates with a summary but no summary field are skipped (updates_disabled)")
    func salesforceSummaryWithoutField() throws {
        let crm = CRMFixture.salesforce
        let mappings = Array(crm.standardMappings.dropLast())
        let run = try crm.prepared(jane, summary: "Asked about pricing.", mappings: mappings)
        let plan = crm.planner(allowCreate: true, allowUpdateExisting: false, mappings: mappings)
            .plan(run, matches: [ContactMatch(id: "c-1", createdByUs: false)])
        #expect(plan.outcome == .skipped)
        #expect(plan.reason == .updatesDisabled)
    }

    @Test("HubSpot: restricted updates with a summary but no summary property still write the note")
    func hubspotNoteWithoutProperty() throws {
        let crm = CRMFixture.hubspot
        let mappings = Array(crm.standardMappings.dropLast())
        let run = try crm.prepared(jane, summary: "Asked about pricing.", mappings: mappings)
        let plan = crm.planner(allowCreate: true, allowUpdateExisting: false, mappings: mappings)
            .plan(run, matches: [ContactMatch(id: "c-1", createdByUs: false)])
        #expect(plan.outcome == .summaryOnly)
        #expect(plan.note == "Asked about pricing.")
        #expect(plan.write == nil)
    }
}
