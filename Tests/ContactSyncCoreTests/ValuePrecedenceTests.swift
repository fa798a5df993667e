import ContactSyncCore
import Testing

@Suite("Value precedence and blanks (ARCHITECTURE §3, step 1)")
struct ValuePrecedenceTests {
    struct Case: Sendable, CustomTestStringConvertible {
        let name: String
        let run: String?
        let conversation: String?
        let contact: String?
        let defaultValue: String?
        let expected: String?
        let origin: ValueOrigin?
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        .init(name: "run input wins", run: "R", conversation: "C", contact: "A", defaultValue: "D", expected: "R", origin: .runInput),
        .init(name: "conversation next", run: nil, conversation: "C", contact: "A", defaultValue: "D", expected: "C", origin: .conversation),
        .init(name: "contact attribute next", run: nil, conversation: nil, contact: "A", defaultValue: "D", expected: "A", origin: .contactAttribute),
        .init(name: "default last", run: nil, conversation: nil, contact: nil, defaultValue: "D", expected: "D", origin: .defaultValue),
        .init(name: "nothing at all", run: nil, conversation: nil, contact: nil, defaultValue: nil, expected: nil, origin: nil),
        .init(name: "blank run input falls through", run: "  ", conversation: "C", contact: nil, defaultValue: nil, expected: "C", origin: .conversation),
        .init(name: "empty conversation value falls through", run: nil, conversation: "", contact: "A", defaultValue: nil, expected: "A", origin: .contactAttribute),
        .init(name: "tabs and newlines are blank", run: "\t\n", conversation: " \r\n ", contact: "\u{00A0}", defaultValue: "D", expected: "D", origin: .defaultValue),
        .init(name: "blank default is never sent", run: nil, conversation: nil, contact: nil, defaultValue: "   ", expected: nil, origin: nil),
        .init(name: "values are trimmed", run: "  Jane  ", conversation: nil, contact: nil, defaultValue: nil, expected: "Jane", origin: .runInput),
        .init(name: "unicode kept as is", run: " Zoë Ñúñez 李 ", conversation: nil, contact: nil, defaultValue: nil, expected: "Zoë Ñúñez 李", origin: .runInput),
    ]

    @Test("run input, else conversation, else contact attribute, else default", arguments: cases)
    func valuePrecedence(c: Case) {
        let sources = ValueSources(
            runInput: c.run.map { ["first_name": $0] } ?? [:],
            conversation: c.conversation.map { ["first_name": $0] } ?? [:],
            contactAttributes: c.contact.map { ["first_name": $0] } ?? [:])
        let resolved = sources.value(for: FieldMapping(crmField: "FirstName", agentField: "first_name", defaultValue: c.defaultValue))
        #expect(resolved?.value == c.expected)
        #expect(resolved?.origin == c.origin)
    }

    @Test("a blank value never reaches the CRM, so it cannot wipe a field", arguments: CRMFixture.both)
    func blankNeverWipes(crm: CRMFixture) throws {
        let values = ["email": "jane@example.com", "first_name": "   ", "last_name": "", "phone": "\n"]
        let run = try crm.prepared(values)
        let plan = crm.planner(allowCreate: true, allowUpdateExisting: true)
            .plan(run, matches: [ContactMatch(id: "c-1", createdByUs: false)])
        #expect(plan.outcome == .updated)
        #expect(plan.write == nil)
        #expect(plan.fieldsWritten.isEmpty)
    }

    @Test("values only for the agent fields that are mapped are sent", arguments: CRMFixture.both)
    func onlyMappedValues(crm: CRMFixture) throws {
        var values = jane
        values["company"] = "Acme"
        let run = try crm.prepared(values)
        #expect(run.values.map(\.agentField) == ["email", "first_name", "last_name", "phone"])
    }
}
