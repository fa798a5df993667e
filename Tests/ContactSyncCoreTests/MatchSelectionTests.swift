import ContactSyncCore
import Foundation
import Testing

@Suite("Several matches (ARCHITECTURE §3, step 3)")
struct MatchSelectionTests {
    let old = Date(timeIntervalSince1970: 1_000)
    let new = Date(timeIntervalSince1970: 2_000)

    @Test("prefer the contact contact-sync created")
    func preferOurs() throws {
        let chosen = try #require(MatchSelection.choose([
            ContactMatch(id: "003OLD", createdDate: old, createdByUs: false),
            ContactMatch(id: "003OURS", createdDate: new, createdByUs: true),
        ]))
        #expect(chosen.match.id == "003OURS")
        #expect(chosen.warning?.code == "multiple_matches")
        #expect(chosen.warning?.ids == ["003OURS", "003OLD"])
    }

    @Test("else the oldest by CreatedDate")
    func preferOldest() throws {
        let chosen = try #require(MatchSelection.choose([
            ContactMatch(id: "003B", createdDate: new, createdByUs: false),
            ContactMatch(id: "003A", createdDate: old, createdByUs: false),
            ContactMatch(id: "003C", createdDate: nil, createdByUs: false),
        ]))
        #expect(chosen.match.id == "003A")
        #expect(Set(chosen.warning?.ids ?? []) == ["003A", "003B", "003C"])
    }

    @Test("among several of ours, the oldest of ours")
    func oldestOfOurs() throws {
        let chosen = try #require(MatchSelection.choose([
            ContactMatch(id: "003X", createdDate: old, createdByUs: false),
            ContactMatch(id: "003N", createdDate: new, createdByUs: true),
            ContactMatch(id: "003M", createdDate: old, createdByUs: true),
        ]))
        #expect(chosen.match.id == "003M")
    }

    @Test("one match carries no warning; none gives nothing")
    func singleMatch() {
        #expect(MatchSelection.choose([ContactMatch(id: "1", createdByUs: false)])?.warning == nil)
        #expect(MatchSelection.choose([]) == nil)
    }

    @Test("a run with several matches updates the chosen one and carries the warning", arguments: CRMFixture.both)
    func planUsesChosen(crm: CRMFixture) throws {
        let run = try crm.prepared(jane)
        let plan = crm.planner(allowCreate: true, allowUpdateExisting: true).plan(run, matches: [
            ContactMatch(id: "new", createdDate: new, createdByUs: false),
            ContactMatch(id: "old", createdDate: old, createdByUs: false),
        ])
        #expect(plan.existingContactId == "old")
        if case .update(let id, _) = plan.write { #expect(id == "old") } else { Issue.record("expected an update") }
        #expect(plan.warnings.first?.code == "multiple_matches")
    }

    @Test("the created-by-us match decides the row: ours with create ON updates even when updates are off")
    func provenanceDecidesRow() throws {
        let crm = CRMFixture.salesforce
        let run = try crm.prepared(jane, summary: "s")
        let plan = crm.planner(allowCreate: true, allowUpdateExisting: false).plan(run, matches: [
            ContactMatch(id: "theirs", createdDate: old, createdByUs: false),
            ContactMatch(id: "ours", createdDate: new, createdByUs: true),
        ])
        #expect(plan.outcome == .updated)
        #expect(plan.existingContactId == "ours")
    }
}
