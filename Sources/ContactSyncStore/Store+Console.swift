import ContactSyncCore
import Foundation
import SQLKit

/// What the console reads: newest-first lists, a transcript, the offline queue.
extension Store {
    /// The newest runs first, optionally only those created since `since` or of one trigger.
    public func recentRuns(_ filter: RunFilter, trigger: RunTrigger? = nil, since: Date? = nil, limit: Int) async throws -> [RunRecord] {
        var query = SQLQueryString("SELECT * FROM runs WHERE 1 = 1")
        if let id = filter.conversationId { query = query + " AND conversation_id = " + "\(bind: id)" }
        if let id = filter.actionId { query = query + " AND action_id = " + "\(bind: id)" }
        if let status = filter.status { query = query + " AND status = " + "\(bind: status.rawValue)" }
        if let trigger { query = query + " AND trigger_kind = " + "\(bind: trigger.rawValue)" }
        if let since { query = query + " AND created_at >= " + "\(bind: Store.stamp(since))" }
        query = query + " ORDER BY seq DESC LIMIT " + "\(bind: limit)"
        return try await database.raw(query).all().map(Self.run)
    }

    /// The offline queue at `now`.
    public func offlineQueueCounts(now: Date) async throws -> OfflineQueueCounts {
        let row = try await database.raw("""
            SELECT
              SUM(CASE WHEN status = 'pending' AND (next_attempt_at IS NULL OR next_attempt_at <= \(bind: Store.stamp(now))) THEN 1 ELSE 0 END) AS due,
              SUM(CASE WHEN status = 'pending' AND next_attempt_at > \(bind: Store.stamp(now)) THEN 1 ELSE 0 END) AS later,
              SUM(CASE WHEN status = 'waiting_for_account' THEN 1 ELSE 0 END) AS waiting
            FROM runs WHERE status IN ('pending', 'waiting_for_account')
            """).first()
        func count(_ column: String) throws -> Int { try row?.decode(column: column, as: Int?.self) ?? 0 }
        return OfflineQueueCounts(due: try count("due"), pending: try count("later"), waitingForAccount: try count("waiting"))
    }

    /// The newest conversations first.
    public func recentConversations(limit: Int) async throws -> [Conversation] {
        try await database.raw("SELECT * FROM conversations ORDER BY seq DESC LIMIT \(bind: limit)").all().map(Self.conversation)
    }

    /// A conversation's transcript, oldest message first.
    public func messages(conversationId: String) async throws -> [StoredMessage] {
        try await database.raw("SELECT role, body, at FROM messages WHERE conversation_id = \(bind: conversationId) ORDER BY seq").all().map { row in
            StoredMessage(
                role: try row.decode(column: "role", as: String.self), text: try row.decode(column: "body", as: String.self),
                at: Store.date(try row.decode(column: "at", as: Double.self)))
        }
    }
}
