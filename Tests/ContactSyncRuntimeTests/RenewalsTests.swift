import ContactSyncCore
import ContactSyncStore
import ContactSyncTestSupport
import Foundation
import Testing

@testable import ContactSyncRuntime

@Suite("Renewals: leases and locks kept while their holders work")
struct RenewalsTests {
    /// A run claimed by `owner` whose lease ends `lease` seconds from the runtime's clock.
    static func claimedRun(_ rt: Runtime, owner: String, email: String, lease: TimeInterval) async throws -> String {
        let account = try await rt.account(.hubspot)
        let action = try await rt.action(.hubspot, account: account, offline: true)
        let agent = try await rt.agent(.voice, actions: [action])
        let call = try await rt.conversation(agent: agent, attributes: ["email": email], summary: "S")
        _ = try await rt.conversations.end(conversationId: call)
        _ = try await rt.repositories.conversations.dispatchEndedConversations(now: rt.clock.now, limit: 10, targets: try await rt.repositories.configuration.offlineTargets())
        let claimed = try await rt.repositories.runs.claimDueRuns(owner: owner, now: rt.clock.now, leaseUntil: rt.clock.now.addingTimeInterval(lease), limit: 10)
        return try #require(claimed.first?.id)
    }

    @Test("renewalsKeepEveryHolder: a holder is renewed within its period though another holder's period is far longer; a cancelled one is no longer renewed",
          arguments: Backend.available)
    func renewalsKeepEveryHolder(backend: Backend) async throws {
        try await withRuntime(backend) { rt in
            let renewals = Renewals(repositories: rt.repositories, now: rt.clock.closure)
            // A holder with a 60 s lease is renewed every 20 s: its period's task sleeps 10 s at a time.
            let slow = renewals.renewing(
                runs: { [] }, owner: "slow", lock: CustomerLock(process: "p", lifetime: 60), lease: 60, lockLifetime: 60,
                fence: LeaseFence(validUntil: rt.clock.now.addingTimeInterval(60), margin: 20))
            defer { slow.cancel() }
            // A holder whose fence cannot vouch for its run until the run is renewed (0.3 s at a time).
            let run = try await Self.claimedRun(rt, owner: "fast", email: "renewed@example.com", lease: 0.1)
            let fence = LeaseFence(validUntil: rt.clock.now, margin: 0.1)
            #expect(!fence.allows(at: rt.clock.now))
            let fast = renewals.renewing(runs: { [run] }, owner: "fast", lock: CustomerLock(process: "p", lifetime: 0.3), lease: 0.3, lockLifetime: 0.3, fence: fence)
            // Renewed every 100 ms or sooner: the run's lease is extended and the fence moves on with it.
            try await waitUntil { fence.allows(at: rt.clock.now) }
            fast.cancel()
            // Its period's task ends with its last holder, after any renewal it had begun; the slow one's goes on.
            try await waitUntil { renewals.ticking == [.seconds(20)] }
            // Once cancelled, nothing moves the fence on: on the clock 1 s later it no longer vouches.
            rt.clock.advance(1)
            try await Task.sleep(for: .milliseconds(300))
            #expect(!fence.allows(at: rt.clock.now))
        }
    }

    @Test("renewalsEndWithTheirHolders: a period's task ends once no holder of that period is left", arguments: Backend.available)
    func renewalsEndWithTheirHolders(backend: Backend) async throws {
        try await withRuntime(backend) { rt in
            let renewals = Renewals(repositories: rt.repositories, now: rt.clock.closure)
            let renewal = renewals.renewing(
                runs: { [] }, owner: "w", lock: CustomerLock(process: "p", lifetime: 0.3), lease: 0.3, lockLifetime: 0.3,
                fence: LeaseFence(validUntil: rt.clock.now.addingTimeInterval(0.3), margin: 0.1))
            #expect(renewals.ticking == [.milliseconds(100)])
            renewal.cancel()
            try await waitUntil { renewals.ticking.isEmpty }
        }
    }
}
