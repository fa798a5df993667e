import ContactSyncCore
import ContactSyncRuntime
import ContactSyncStore
import ContactSyncTestSupport
import Foundation
import Testing

@Suite("Offline sync: when ended conversations are dispatched (the worker's own loop, real time)")
struct OfflineDispatchTests {
    @Test("aConversationIsDispatchedAtItsEnd: a worker that knows when the next conversation ends dispatches it then, not at its next look", arguments: Backend.available)
    func dispatchedAtItsEnd(backend: Backend) async throws {
        var settings = OfflineSync.Settings()
        settings.pollInterval = .seconds(300)
        try await withRuntime(backend, settings: settings) { rt in
            let account = try await rt.account(.hubspot)
            let action = try await rt.action(.hubspot, account: account, offline: true)
            let agent = try await rt.agent(.text, actions: [action])
            let ends = Date().addingTimeInterval(1)
            try await rt.repositories.conversations.insertConversations([Conversation(
                id: "ends-soon", agentId: agent, channel: .text, startedAt: ends.addingTimeInterval(-60), endsAt: ends, endedAt: nil,
                attributes: ["email": "soon@example.com", "first_name": "S"], summary: nil)])
            let runs = try await Self.withWorker(rt, settings: settings) {
                // The worker's first look finds nothing ended yet; its next poll is five minutes away.
                try await waitUntil(within: .seconds(20)) { try await rt.runs(conversation: "ends-soon").first?.status == .succeeded }
                return try await rt.runs(conversation: "ends-soon")
            }
            #expect(runs.map(\.status) == [.succeeded])
            #expect(runs.first?.result?.outcome == .created)
            #expect(try #require(runs.first).createdAt >= ends)
        }
    }

    @Test("dispatchWaitsForBatches: while an account is at its batches, the rest of a burst is dispatched as batches end, not all at once ahead of them",
          arguments: Backend.available)
    func dispatchWaitsForBatches(backend: Backend) async throws {
        var settings = OfflineSync.Settings()
        settings.pollInterval = .seconds(300)
        settings.dispatchLimit = 2
        settings.claimLimit = 2
        settings.batchesPerAccount = 1
        try await withRuntime(backend, settings: settings) { rt in
            let account = try await rt.account(.salesforce)
            let action = try await rt.action(.salesforce, account: account, offline: true)
            let agent = try await rt.agent(.voice, actions: [action])
            let ended = Date().addingTimeInterval(-1)
            let calls = (0..<10).map { "burst-\($0)" }
            try await rt.repositories.conversations.insertConversations(calls.enumerated().map { index, id in
                Conversation(
                    id: id, agentId: agent, channel: .voice, startedAt: ended.addingTimeInterval(-60), endsAt: ended, endedAt: ended,
                    attributes: ["email": "burst\(index)@example.com", "last_name": "B"], summary: nil)
            })
            func runs() async throws -> [RunRecord] {
                var all: [RunRecord] = []
                for call in calls { all += try await rt.runs(conversation: call) }
                return all
            }
            // The CRM holds every request until the test lets it go: the first batch stays under way.
            try await rt.faults(.salesforce, #"{"holdRoutes":["*"]}"#)
            let finished = try await Self.withWorker(rt, settings: settings) {
                try await waitUntil { try await runs().filter { $0.status == .running }.count == 2 }
                // Time for a loop that dispatched ahead to dispatch the whole burst.
                try await Task.sleep(for: .milliseconds(500))
                let dispatched = try await runs()
                #expect(dispatched.count == 4, "the batch under way and one chunk ready after it; the rest not yet")
                #expect(dispatched.filter { $0.status == .running }.count == 2)
                try await rt.faults(.salesforce, "{}")
                try await waitUntil(within: .seconds(60)) { try await runs().filter { $0.status == .succeeded }.count == calls.count }
                return try await runs()
            }
            #expect(finished.count == calls.count)
            #expect(finished.allSatisfy { $0.status == .succeeded })
        }
    }

    /// Runs `body` while a worker of its own, on the real clock, runs its loop; stops the worker afterwards.
    private static func withWorker<T: Sendable>(_ rt: Runtime, settings: OfflineSync.Settings, _ body: () async throws -> T) async throws -> T {
        let engine = RunEngine(repositories: rt.repositories, connectors: rt.connectors, logger: Runtime.quiet, now: { Date() })
        let worker = OfflineSync(repositories: rt.repositories, engine: engine, settings: settings, logger: Runtime.quiet, now: { Date() })
        let loop = Task { try await worker.run() }
        do {
            let result = try await body()
            loop.cancel()
            _ = await loop.result
            return result
        } catch {
            loop.cancel()
            _ = await loop.result
            throw error
        }
    }
}
