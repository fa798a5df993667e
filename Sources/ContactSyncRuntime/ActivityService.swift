import ContactSyncCore
import ContactSyncStore
import Foundation

/// What the console and the operations routes read: the newest runs and conversations, a transcript, the
/// offline queue, and whether the database is ready.
public struct ActivityService: Sendable {
    let repositories: Repositories
    let now: @Sendable () -> Date

    public init(repositories: Repositories, now: @escaping @Sendable () -> Date = { Date() }) {
        self.repositories = repositories
        self.now = now
    }

    /// The newest runs first, optionally only those created since `since` or of one trigger.
    public func recentRuns(_ filter: RunFilter, trigger: RunTrigger? = nil, since: Date? = nil, limit: Int) async throws -> [RunRecord] {
        try await repositories.runs.recentRuns(filter, trigger: trigger, since: since, limit: limit)
    }

    /// The last day's runs by hour, status and outcome.
    public func lastDay() async throws -> [RunCount] {
        let time = now()
        return try await repositories.runs.runCounts(since: time.addingTimeInterval(-24 * 3600), now: time)
    }

    /// The commonest reasons of the last day's failures.
    public func lastDayFailures(limit: Int) async throws -> [FailureCount] {
        try await repositories.runs.failureCounts(since: now().addingTimeInterval(-24 * 3600), limit: limit)
    }

    /// The newest run of each of these actions.
    public func lastRuns(actionIds: [String]) async throws -> [String: RunRecord] {
        try await repositories.runs.lastRuns(actionIds: actionIds)
    }

    /// The newest conversations first.
    public func recentConversations(limit: Int) async throws -> [Conversation] {
        try await repositories.conversations.recentConversations(limit: limit)
    }

    /// A conversation's transcript, oldest message first.
    public func messages(conversationId: String) async throws -> [StoredMessage] {
        try await repositories.conversations.messages(conversationId: conversationId)
    }

    /// The offline queue now.
    public func offlineQueue() async throws -> OfflineQueueCounts {
        try await repositories.runs.offlineQueueCounts(now: now())
    }

    /// Whether the database answers and carries this version's schema.
    public func isReady() async -> Bool {
        ((try? await repositories.store.schemaVersion()) ?? 0) == Store.latestSchemaVersion
    }
}
