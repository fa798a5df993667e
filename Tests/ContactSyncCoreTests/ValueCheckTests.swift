import ContactSyncCore
import Testing

@Suite("Values against metadata (ARCHITECTURE §3, step 6)")
struct ValueCheckTests {
    let salesforce = CRMFixture.salesforce
    let existing = [ContactMatch(id: "003A", createdByUs: false)]

    private func planFor(_ extra: [FieldMapping], _ values: [String: String], summary: String? = nil, matches: [ContactMatch]? = nil) throws -> RunPlan {
        let mappings = salesforce.standardMappings + extra
        let run = try salesforce.prepared(jane.merging(values) { _, new in new }, summary: summary, mappings: mappings)
        return salesforce.planner(allowCreate: true, allowUpdateExisting: true, mappings: mappings)
            .plan(run, matches: matches ?? existing)
    }

    @Test("a picklist value matching case-insensitively is sent in its canonical form", arguments: ["chat", "CHAT", "Chat", " cHaT "])
    func picklistCanonical(value: String) throws {
        let plan = try planFor([FieldMapping(crmField: "Preferred_Channel__c", agentField: "channel")], ["channel": value])
        #expect(plan.write?.properties["Preferred_Channel__c"] == "Chat")
        #expect(plan.fieldsSkipped.isEmpty)
    }

    @Test("a value outside a restricted picklist is left out with a warning; the rest is written")
    func restrictedPicklistSkip() throws {
        let plan = try planFor([FieldMapping(crmField: "Preferred_Channel__c", agentField: "channel")], ["channel": "Carrier pigeon"])
        #expect(plan.outcome == .updated)
        #expect(plan.write?.properties["Preferred_Channel__c"] == nil)
        #expect(plan.write?.properties["FirstName"] == "Jane")
        #expect(plan.fieldsSkipped == [SkippedField(crmField: "Preferred_Channel__c", reason: .invalidPicklistValue, detail: "allowed: Email, Phone, Chat")])
        #expect(plan.warnings.contains { $0.code == "value_skipped" && $0.field == "Preferred_Channel__c" })
    }

    @Test("an unrestricted picklist accepts other values as given, and canonicalises known ones")
    func unrestrictedPicklist() throws {
        let other = try planFor([FieldMapping(crmField: "LeadSource", agentField: "source")], ["source": "Podcast"])
        #expect(other.write?.properties["LeadSource"] == "Podcast")
        let known = try planFor([FieldMapping(crmField: "LeadSource", agentField: "source")], ["source": "phone inquiry"])
        #expect(known.write?.properties["LeadSource"] == "Phone Inquiry")
    }

    @Test("a value longer than the field is left out (too_long)")
    func tooLong() throws {
        let plan = try planFor([], ["first_name": String(repeating: "J", count: 41)])
        #expect(plan.write?.properties["FirstName"] == nil)
        #expect(plan.fieldsSkipped.map(\.reason) == [.tooLong])
        #expect(plan.fieldsSkipped.first?.detail == "max length 40, got 41")
    }

    @Test("length is counted as the CRM counts it: an emoji is two units")
    func lengthInUTF16() throws {
        let fits = try planFor([], ["first_name": String(repeating: "😀", count: 20)])
        #expect(fits.write?.properties["FirstName"] == String(repeating: "😀", count: 20))
        let over = try planFor([], ["first_name": String(repeating: "😀", count: 20) + "a"])
        #expect(over.fieldsSkipped.map(\.reason) == [.tooLong])
    }

    @Test("malformed email or URL values are left out (invalid_format)")
    func invalidFormat() throws {
        let mappings = [
            FieldMapping(crmField: "Secondary_Email__c", agentField: "alt_email"),
            FieldMapping(crmField: "Homepage__c", agentField: "site"),
        ]
        let bad = try planFor(mappings, ["alt_email": "not-an-email", "site": "not a url"])
        #expect(bad.fieldsSkipped.map(\.reason) == [.invalidFormat, .invalidFormat])
        #expect(bad.write?.properties["Secondary_Email__c"] == nil)
        let good = try planFor(mappings, ["alt_email": "J.Doe@Example.com", "site": "https://example.com/jane"])
        #expect(good.fieldsSkipped.isEmpty)
        #expect(good.write?.properties["Secondary_Email__c"] == "j.doe@example.com")
        #expect(good.write?.properties["Homepage__c"] == "https://example.com/jane")
    }

    @Test("the summary is truncated to the field's length with a warning", arguments: CRMFixture.both)
    func summaryTruncated(crm: CRMFixture) throws {
        let long = String(repeating: "s", count: crm.summaryLength + 10)
        let run = try crm.prepared(jane, summary: long)
        let plan = crm.planner(allowCreate: true, allowUpdateExisting: true).plan(run, matches: [])
        #expect(plan.write?.properties[crm.summaryField]?.count == crm.summaryLength)
        #expect(plan.warnings.contains { $0.code == "summary_truncated" && $0.field == crm.summaryField })
    }

    @Test("truncation never splits a character")
    func truncationKeepsCharacters() throws {
        let crm = CRMFixture.salesforce
        var fields = crm.fields
        let index = try #require(fields.firstIndex { $0.name == "Description" })
        fields[index].length = 5
        let mappings = [FieldMapping(crmField: "Email", agentField: "email"), FieldMapping(crmField: "LastName", agentField: "last_name"),
                        FieldMapping(crmField: "Description", agentField: "summary")]
        let planner = RunPlanner(template: crm.template, mappings: mappings, allowCreate: true, allowUpdateExisting: true,
                                 fields: Dictionary(uniqueKeysWithValues: fields.map { ($0.name, $0) }))
        let run = try crm.prepared(jane, summary: "ab😀😀", mappings: mappings)
        #expect(planner.plan(run, matches: []).write?.properties["Description"] == "ab😀")
    }

    @Test("HubSpot notes are capped at 65,536 characters with a warning")
    func noteCapped() throws {
        let crm = CRMFixture.hubspot
        let run = try crm.prepared(jane, summary: String(repeating: "n", count: 70_000))
        let plan = crm.planner(allowCreate: true, allowUpdateExisting: false).plan(run, matches: [ContactMatch(id: "9", createdByUs: false)])
        #expect(plan.note?.count == 65_536)
        #expect(plan.warnings.contains { $0.code == "note_truncated" })
        let short = try crm.prepared(jane, summary: String(repeating: "n", count: 65_536))
        let fine = crm.planner(allowCreate: true, allowUpdateExisting: false).plan(short, matches: [ContactMatch(id: "9", createdByUs: false)])
        #expect(fine.note?.count == 65_536)
        #expect(!fine.warnings.contains { $0.code == "note_truncated" })
    }

    @Test("a create lacking a CRM-required value is skipped (missing_required_value), naming the field")
    func missingRequiredValue() throws {
        let noLast = try salesforce.prepared(["email": "jane@example.com", "first_name": "Jane"])
        let plan = salesforce.planner(allowCreate: true, allowUpdateExisting: true).plan(noLast, matches: [])
        #expect(plan.outcome == .skipped)
        #expect(plan.reason == .missingRequiredValue)
        #expect(plan.reasonDetail == "LastName")
        #expect(plan.write == nil)
        // A required value left out by the checks counts as missing too.
        let tooLong = try salesforce.prepared(["email": "jane@example.com", "last_name": String(repeating: "D", count: 81)])
        let second = salesforce.planner(allowCreate: true, allowUpdateExisting: true).plan(tooLong, matches: [])
        #expect(second.reason == .missingRequiredValue)
        #expect(second.fieldsSkipped.map(\.crmField) == ["LastName"])
    }

    @Test("an update does not need the create-required values")
    func updateWithoutRequired() throws {
        let run = try salesforce.prepared(["email": "jane@example.com", "first_name": "Jane"])
        let plan = salesforce.planner(allowCreate: true, allowUpdateExisting: true).plan(run, matches: existing)
        #expect(plan.outcome == .updated)
        #expect(plan.write == .update(contactId: "003A", properties: ["FirstName": "Jane"]))
    }

    @Test("HubSpot has no create-required values beyond the email")
    func hubspotCreateWithEmailOnly() throws {
        let crm = CRMFixture.hubspot
        let run = try crm.prepared(["email": "jane@example.com"])
        let plan = crm.planner(allowCreate: true, allowUpdateExisting: true).plan(run, matches: [])
        #expect(plan.outcome == .created)
        #expect(plan.write == .create(properties: ["email": "jane@example.com"]))
    }

    @Test("a mapped field that vanished or became read-only is left out, not sent")
    func vanishedOrReadOnlyField() throws {
        let mappings = [FieldMapping(crmField: "Gone__c", agentField: "x"), FieldMapping(crmField: "Legacy_Code__c", agentField: "y")]
        let plan = try planFor(mappings, ["x": "1", "y": "2"])
        #expect(plan.fieldsSkipped.map(\.reason) == [.unknownField, .notWritable])
        #expect(plan.write?.properties["Gone__c"] == nil)
        #expect(plan.write?.properties["Legacy_Code__c"] == nil)
        // Legacy_Code__c is createable, so a create writes it.
        let created = try planFor(mappings, ["x": "1", "y": "2"], matches: [])
        #expect(created.write?.properties["Legacy_Code__c"] == "2")
    }
}
