import ContactSyncCore
import ContactSyncStore
import ContactSyncTestSupport
import Foundation
import Testing

/// What the console's overview and library read, one query each, on both databases.
@Suite struct ConsoleReadModelTests {
    static let now = Date(timeIntervalSince1970: 1_800_000_000)

    /// A finished run of `actionId` created `hoursAgo` hours ago.
    static func finished(
        _ store: Store, actionId: String, hoursAgo: Double, status: RunStatus, result: RunResult, dryRun: Bool = false
    ) async throws -> RunRecord {
        let created = now.addingTimeInterval(-hoursAgo * 3600)
        var run = RunRecord(
            id: Identifier.make("run"), actionId: actionId, conversationId: nil, trigger: .inConversation, status: .running, dryRun: dryRun,
            input: RunInput(), attempts: 1, createdAt: created, startedAt: created)
        try await RunRepository(store).insertRun(run, leaseOwner: "engine_test", leaseUntil: created.addingTimeInterval(15))
        run.status = status
        run.result = result
        run.finishedAt = created
        #expect(try await RunRepository(store).finishRuns([run], owner: "engine_test") == [run.id])
        return run
    }

    static var created: RunResult { RunResult(outcome: .created) }
    static func failure(_ message: String) -> RunResult {
        RunResult(error: RunFailure(code: "crm_unavailable", message: message, crmCode: nil, retryable: true))
    }

    @Test("the last day's runs are counted by whole hours, status and outcome; dry runs and older runs are left out", arguments: Backend.available)
    func runCounts(backend: Backend) async throws {
        try await withStore(backend) { store in
            _ = try await Self.finished(store, actionId: "act_a", hoursAgo: 0.2, status: .succeeded, result: Self.created)
            _ = try await Self.finished(store, actionId: "act_a", hoursAgo: 0.7, status: .succeeded, result: Self.created)
            _ = try await Self.finished(store, actionId: "act_b", hoursAgo: 1.6, status: .succeeded, result: RunResult(outcome: .skipped, reason: .missingEmail))
            _ = try await Self.finished(store, actionId: "act_b", hoursAgo: 5.9, status: .failed, result: Self.failure("The CRM is down."))
            _ = try await Self.finished(store, actionId: "act_b", hoursAgo: 3, status: .succeeded, result: Self.created, dryRun: true)
            _ = try await Self.finished(store, actionId: "act_b", hoursAgo: 30, status: .succeeded, result: Self.created)
            let counts = Set(try await RunRepository(store).runCounts(since: Self.now.addingTimeInterval(-24 * 3600), now: Self.now))
            #expect(counts == [
                RunCount(hoursAgo: 0, status: .succeeded, outcome: .created, count: 2),
                RunCount(hoursAgo: 1, status: .succeeded, outcome: .skipped, count: 1),
                RunCount(hoursAgo: 5, status: .failed, outcome: nil, count: 1),
            ])
        }
    }

    @Test("the commonest failure reasons come first, ties by name, at most as many as asked", arguments: Backend.available)
    func failureCounts(backend: Backend) async throws {
        try await withStore(backend) { store in
            for (message, times) in [("The CRM is down.", 3), ("Rate limited.", 1), ("A bad value.", 1), ("Timed out.", 2)] {
                for _ in 0..<times { _ = try await Self.finished(store, actionId: "act_a", hoursAgo: 1, status: .failed, result: Self.failure(message)) }
            }
            _ = try await Self.finished(store, actionId: "act_a", hoursAgo: 1, status: .succeeded, result: Self.created)
            let reasons = try await RunRepository(store).failureCounts(since: Self.now.addingTimeInterval(-24 * 3600), limit: 3)
            #expect(reasons == [
                FailureCount(reason: "The CRM is down.", count: 3), FailureCount(reason: "Timed out.", count: 2), FailureCount(reason: "A bad value.", count: 1),
            ])
        }
    }

    @Test("the newest run of each action, in one query; an action without runs has none", arguments: Backend.available)
    func lastRuns(backend: Backend) async throws {
        try await withStore(backend) { store in
            _ = try await Self.finished(store, actionId: "act_a", hoursAgo: 3, status: .succeeded, result: Self.created)
            let newestA = try await Self.finished(store, actionId: "act_a", hoursAgo: 1, status: .failed, result: Self.failure("Down."))
            let onlyB = try await Self.finished(store, actionId: "act_b", hoursAgo: 2, status: .succeeded, result: Self.created)
            let last = try await RunRepository(store).lastRuns(actionIds: ["act_a", "act_b", "act_c"])
            #expect(last.mapValues(\.id) == ["act_a": newestA.id, "act_b": onlyB.id])
        }
    }
}
