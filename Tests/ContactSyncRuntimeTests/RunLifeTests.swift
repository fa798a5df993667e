import ContactSyncCRM
import ContactSyncCore
import ContactSyncStore
import ContactSyncTestSupport
import Foundation
import Testing

@testable import ContactSyncRuntime

/// Nothing transient needs an operator (ARCHITECTURE §4): a run whose process died is taken over and completed
/// once, and an in-conversation run that cannot finish for a transient cause completes in the background.
/// Both CRMs, both databases.
@Suite struct RunLifeTests {
    static let crms: [CRM] = [.hubspot, .salesforce]

    /// An in-conversation run left `running` by a process that died, holding a lease until `leaseFor` from now.
    static func orphan(_ rt: Runtime, action: String, email: String, key: String? = nil, leaseFor: TimeInterval = 15) async throws -> RunRecord {
        let request = RunEngine.Request(actionId: action, conversationId: nil, input: RunInput(fields: ["email": email, "last_name": "Orphan"]), idempotencyKey: key)
        let run = RunRecord(
            id: Identifier.make("run"), actionId: action, conversationId: nil, trigger: .inConversation, status: .running, dryRun: false,
            input: request.input, idempotencyKey: key, requestHash: key == nil ? nil : request.hash, attempts: 1, createdAt: rt.clock.now,
            startedAt: rt.clock.now, accountId: try await rt.repositories.configuration.action(id: action)?.action.accountId)
        try await rt.repositories.runs.insertRun(run, leaseOwner: "engine_dead", leaseUntil: rt.clock.now.addingTimeInterval(leaseFor))
        return run
    }

    @Test("interruptedRunIsTakenOverBySweep: an in-conversation run whose process died is completed once by the queue when its short lease passes", arguments: Backend.available, crms)
    func interruptedRunIsTakenOverBySweep(backend: Backend, crm: CRM) async throws {
        try await withRuntime(backend) { rt in
            let account = try await rt.account(crm)
            let action = try await rt.action(crm, account: account, offline: false)
            let orphan = try await Self.orphan(rt, action: action, email: "orphan@example.com")
            try await rt.offline.tick()
            #expect(try await rt.repositories.runs.run(id: orphan.id)?.status == .running)
            rt.clock.advance(16)
            try await rt.offline.tick()
            let after = try #require(try await rt.repositories.runs.run(id: orphan.id))
            #expect(after.status == .succeeded)
            #expect(after.attempts == 2)
            #expect(try await rt.contacts(crm, email: "orphan@example.com").count == 1)
            // The dead process's late save changes nothing.
            var late = orphan
            late.status = .failed
            #expect(try await rt.repositories.runs.finishRuns([late], owner: "engine_dead").isEmpty)
            #expect(try await rt.repositories.runs.run(id: orphan.id)?.status == .succeeded)
        }
    }

    @Test("interruptedRunIsCarriedOnByItsRepeat: a request repeating the Idempotency-Key of a run whose process died carries the run instead of answering running", arguments: Backend.available, crms)
    func interruptedRunIsCarriedOnByItsRepeat(backend: Backend, crm: CRM) async throws {
        try await withRuntime(backend) { rt in
            let account = try await rt.account(crm)
            let action = try await rt.action(crm, account: account, offline: false)
            let orphan = try await Self.orphan(rt, action: action, email: "repeat@example.com", key: "call-7")
            rt.clock.advance(16)
            let answered = try await rt.engine.run(RunEngine.Request(
                actionId: action, conversationId: nil, input: orphan.input, idempotencyKey: "call-7"))
            #expect(answered.id == orphan.id)
            #expect(answered.status == .succeeded)
            #expect(answered.attempts == 2)
            #expect(try await rt.contacts(crm, email: "repeat@example.com").count == 1)
            // The queue finds nothing left to do.
            try await rt.offline.tick()
            #expect(try await rt.repositories.runs.run(id: orphan.id)?.attempts == 2)
        }
    }

    @Test("transientFailureCompletesInBackground: an in-conversation run the CRM cannot take now answers pending and is written once the CRM is back, without an operator", arguments: Backend.available, crms)
    func transientFailureCompletesInBackground(backend: Backend, crm: CRM) async throws {
        try await withRuntime(backend) { rt in
            let account = try await rt.account(crm)
            let action = try await rt.action(crm, account: account, offline: false)
            try await rt.faults(crm, #"{"rate5xx":1}"#)
            let answered = try await rt.engine.run(RunEngine.Request(
                actionId: action, conversationId: nil, input: RunInput(fields: ["email": "later@example.com", "last_name": "Later"], summary: "Call back.")))
            #expect(answered.status == .pending)
            #expect(answered.result?.error?.code == "crm_unavailable")
            let next = try #require(answered.nextAttemptAt)
            #expect(next > rt.clock.now)
            #expect(try await rt.repositories.runs.run(id: answered.id)?.status == .pending)
            try await rt.faults(crm, "{}")
            rt.clock.advance(next.timeIntervalSince(rt.clock.now) + 0.001)
            try await rt.offline.tick()
            let after = try #require(try await rt.repositories.runs.run(id: answered.id))
            #expect(after.status == .succeeded)
            #expect(after.result?.outcome == .created)
            #expect(try await rt.contacts(crm, email: "later@example.com").count == 1)
        }
    }

    @Test("a run whose account must be reconnected is not left to the background: it fails, for the operator", arguments: Backend.available, crms)
    func reconnectIsNotTransient(backend: Backend, crm: CRM) async throws {
        try await withRuntime(backend) { rt in
            let account = try await rt.account(crm)
            let action = try await rt.action(crm, account: account, offline: false)
            await rt.connectors.markReconnectRequired(accountId: account)
            let answered = try await rt.engine.run(RunEngine.Request(actionId: action, conversationId: nil, input: RunInput(fields: ["email": "r@example.com"])))
            #expect(answered.status == .failed)
            #expect(answered.result?.error?.code == "reconnect_required")
        }
    }
}
