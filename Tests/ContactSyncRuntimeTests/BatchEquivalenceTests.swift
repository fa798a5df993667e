import ContactSyncCore
import ContactSyncRuntime
import ContactSyncStore
import ContactSyncTestSupport
import Foundation
import Testing

@Suite("Batched offline runs decide exactly as single runs")
struct BatchEquivalenceTests {
    struct Case: Sendable {
        let name: String
        let allowCreate: Bool
        let allowUpdateExisting: Bool
        let existingForeign: Bool
        let attributes: [String: String]
        let summary: String?
    }

    static let cases: [Case] = [
        Case(name: "new", allowCreate: true, allowUpdateExisting: false, existingForeign: false, attributes: ["first_name": "N", "last_name": "New"], summary: "S"),
        Case(name: "create-off", allowCreate: false, allowUpdateExisting: true, existingForeign: false, attributes: ["last_name": "C"], summary: "S"),
        Case(name: "update", allowCreate: false, allowUpdateExisting: true, existingForeign: true, attributes: ["first_name": "U", "last_name": "Up"], summary: "S"),
        Case(name: "summary-only", allowCreate: true, allowUpdateExisting: false, existingForeign: true, attributes: ["first_name": "X"], summary: "Only"),
        Case(name: "updates-off", allowCreate: true, allowUpdateExisting: false, existingForeign: true, attributes: ["first_name": "X"], summary: nil),
        Case(name: "no-email", allowCreate: true, allowUpdateExisting: true, existingForeign: false, attributes: ["first_name": "E"], summary: nil),
        Case(name: "no-last-name", allowCreate: true, allowUpdateExisting: true, existingForeign: false, attributes: ["first_name": "L"], summary: nil),
    ]

    struct Decision: Equatable, CustomStringConvertible {
        let status: RunStatus
        let outcome: RunOutcome?
        let reason: SkipReason?
        let detail: String?
        let written: [String]
        let skipped: [SkippedField]
        var description: String { "\(status) \(outcome?.rawValue ?? "-") \(reason?.rawValue ?? "-") \(detail ?? "-") \(written)" }

        init(_ run: RunRecord) {
            (status, outcome, reason, detail) = (run.status, run.result?.outcome, run.result?.reason, run.result?.reasonDetail)
            (written, skipped) = (run.result?.fieldsWritten ?? [], run.result?.fieldsSkipped ?? [])
        }
    }

    @Test("the same situations give the same decisions, one test per CRM", arguments: [CRM.hubspot, .salesforce])
    func sameDecisions(crm: CRM) async throws {
        try await withRuntime(.sqlite) { rt in
            let account = try await rt.account(crm)
            var single: [Decision] = []
            var offlineCalls: [(String, String)] = []
            for (index, item) in Self.cases.enumerated() {
                for mode in ["single", "batch"] {
                    let email = "\(mode)-\(index)@example.com"
                    if item.existingForeign {
                        if crm == .hubspot {
                            try await rt.emulator(.hubspot, .POST, "/crm/v3/objects/contacts", json: #"{"properties":{"email":"\#(email)","firstname":"Orig"}}"#)
                        } else {
                            try await rt.emulator(.salesforce, .POST, "/services/data/v62.0/sobjects/Contact", json: #"{"Email":"\#(email)","FirstName":"Orig","LastName":"Orig"}"#)
                        }
                    }
                    var attributes = item.attributes
                    if item.name != "no-email" { attributes["email"] = email }
                    let action = try await rt.action(crm, account: account, offline: mode == "batch", allowCreate: item.allowCreate, allowUpdateExisting: item.allowUpdateExisting)
                    let agent = try await rt.agent(.voice, actions: [action])
                    let conversation = try await rt.conversation(agent: agent, attributes: attributes, summary: item.summary)
                    if mode == "single" {
                        let run = try await rt.engine.run(RunEngine.Request(actionId: action, conversationId: conversation, input: RunInput()))
                        single.append(Decision(run))
                    } else {
                        _ = try await rt.conversations.end(conversationId: conversation)
                        offlineCalls.append((item.name, conversation))
                    }
                }
            }
            try await rt.offline.tick()
            var batched: [Decision] = []
            var batchSizes: Set<Int> = []
            for (_, conversation) in offlineCalls {
                let runs = try await rt.runs(conversation: conversation)
                #expect(runs.count == 1)
                batched.append(Decision(runs[0]))
                batchSizes.insert(runs[0].result?.batchSize ?? 0)
            }
            for (index, item) in Self.cases.enumerated() {
                #expect(batched[index] == single[index], "\(item.name): batch \(batched[index]) vs single \(single[index])")
            }
            #expect(single.map(\.outcome) == [.created, .skipped, .updated, crm == .hubspot ? .summaryOnly : .summaryOnly, .skipped, .skipped, crm == .hubspot ? .created : .skipped])
            #expect(batchSizes == [Self.cases.count])
        }
    }
}
