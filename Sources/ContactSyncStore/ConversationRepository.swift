import ContactSyncCore
import Foundation
import SQLKit

/// Conversations and their messages: started, updated, ended, and dispatched into offline runs.
public struct ConversationRepository: Repository {
    let store: Store

    public init(_ store: Store) { self.store = store }
}

extension ConversationRepository {
    public func insertConversation(_ conversation: Conversation) async throws {
        do {
            try await database.raw("""
                INSERT INTO conversations (id, agent_id, channel, started_at, last_message_at, ends_at, ended_at, attributes, summary, message_count, platform)
                VALUES (\(bind: conversation.id), \(bind: conversation.agentId), \(bind: conversation.channel.rawValue),
                  \(bind: Store.stamp(conversation.startedAt)), \(bind: conversation.lastMessageAt.map(Store.stamp)),
                  \(bind: conversation.endsAt.map(Store.stamp)), \(bind: conversation.endedAt.map(Store.stamp)),
                  \(bind: Store.encode(conversation.attributes)), \(bind: conversation.summary), \(bind: conversation.messageCount),
                  \(bind: conversation.platform?.rawValue))
                """).run()
        } catch where Store.isUniqueViolation(error) {
            throw RepositoryError.conflict(conversation.id)
        }
    }

    public func conversation(id: String) async throws -> Conversation? {
        try await database.raw("SELECT * FROM conversations WHERE id = \(bind: id)").first().map(Store.conversation)
    }

    /// Changes a conversation in one transaction (the row locked on PostgreSQL, so it is ordered with the
    /// dispatch of its offline runs); `change` returns the new state, or nil to leave it as it is. A change
    /// of values after the dispatch schedules follow-up runs in the same transaction. Returns the stored state.
    public func updateConversation(id: String, now: Date, _ change: @escaping @Sendable (Conversation) throws -> Conversation?) async throws -> Conversation? {
        let lock = dialect == .postgres ? " FOR UPDATE" : ""
        return try await transaction { db in
            guard let row = try await db.raw(SQLQueryString("SELECT * FROM conversations WHERE id = ") + "\(bind: id)" + SQLQueryString(lock)).first() else {
                return nil
            }
            let current = try Store.conversation(row)
            guard let next = try change(current) else { return current }
            try await db.raw("""
                UPDATE conversations SET last_message_at = \(bind: next.lastMessageAt.map(Store.stamp)), ends_at = \(bind: next.endsAt.map(Store.stamp)),
                  ended_at = \(bind: next.endedAt.map(Store.stamp)), attributes = \(bind: Store.encode(next.attributes)),
                  summary = \(bind: next.summary), message_count = \(bind: next.messageCount), call_facts = \(bind: next.call.map(Store.encode))
                WHERE id = \(bind: id)
                """).run()
            if current.dispatchedAt != nil, let changes = next.changes(since: current) {
                try await Store.scheduleFollowUps(db, conversationId: id, changes: changes, now: now)
            }
            return next
        }
    }

    /// Stores a call's transcript once: when the conversation holds no messages yet, `turns` become its
    /// messages and its message count, in one transaction; otherwise nothing changes. Returns whether they were stored.
    public func insertTranscript(conversationId: String, _ turns: [(role: String, text: String, at: Date)]) async throws -> Bool {
        guard !turns.isEmpty else { return false }
        let lock = dialect == .postgres ? " FOR UPDATE" : ""
        return try await transaction { db in
            let query = SQLQueryString("SELECT message_count FROM conversations WHERE id = ") + "\(bind: conversationId)" + SQLQueryString(lock)
            guard let row = try await db.raw(query).first(), try row.decode(column: "message_count", as: Int.self) == 0 else { return false }
            for chunk in turns.chunked(into: 200) {
                var insert = SQLQueryString("INSERT INTO messages (conversation_id, role, body, at) VALUES ")
                for (index, turn) in chunk.enumerated() {
                    if index > 0 { insert = insert + ", " }
                    insert = insert + "(\(bind: conversationId), \(bind: turn.role), \(bind: turn.text), \(bind: Store.stamp(turn.at)))"
                }
                try await db.raw(insert).run()
            }
            let last = turns.map(\.at).max()
            try await db.raw("""
                UPDATE conversations SET message_count = \(bind: turns.count), last_message_at = \(bind: last.map(Store.stamp)) WHERE id = \(bind: conversationId)
                """).run()
            return true
        }
    }

    public func insertMessage(conversationId: String, role: String, text: String, at: Date) async throws {
        try await database.raw("""
            INSERT INTO messages (conversation_id, role, body, at) VALUES (\(bind: conversationId), \(bind: role), \(bind: text), \(bind: Store.stamp(at)))
            """).run()
    }

    /// Conversations by id (missing ids are left out).
    public func conversations(ids: [String]) async throws -> [String: Conversation] {
        var result: [String: Conversation] = [:]
        for chunk in ids.chunked(into: 500).map(Array.init) {
            for row in try await database.raw("SELECT * FROM conversations WHERE id IN (\(binds: chunk))").all() {
                let conversation = try Store.conversation(row)
                result[conversation.id] = conversation
            }
        }
        return result
    }

    /// The newest conversations first.
    public func recentConversations(limit: Int) async throws -> [Conversation] {
        try await database.raw("SELECT * FROM conversations ORDER BY seq DESC LIMIT \(bind: limit)").all().map(Store.conversation)
    }

    /// A conversation's transcript, oldest message first.
    public func messages(conversationId: String) async throws -> [StoredMessage] {
        try await database.raw("SELECT role, body, at FROM messages WHERE conversation_id = \(bind: conversationId) ORDER BY seq").all().map { row in
            StoredMessage(
                role: try row.decode(column: "role", as: String.self), text: try row.decode(column: "body", as: String.self),
                at: Store.date(try row.decode(column: "at", as: Double.self)))
        }
    }

    /// Turns conversations whose end has come into pending offline runs, one per offline action of their
    /// agent, and marks them dispatched; all in one transaction. On PostgreSQL, concurrent dispatchers
    /// skip each other's rows; the unique index keeps each action and conversation to one run regardless.
    /// Returns how many conversations were dispatched.
    public func dispatchEndedConversations(now: Date, limit: Int, targets: [String: [OfflineTarget]]) async throws -> Int {
        let skipLocked = dialect == .postgres ? " FOR UPDATE SKIP LOCKED" : ""
        return try await transaction { db in
            let rows = try await db.raw(
                SQLQueryString("SELECT id, agent_id FROM conversations WHERE dispatched_at IS NULL AND ends_at <= ") + "\(bind: Store.stamp(now))"
                    + " ORDER BY ends_at LIMIT " + "\(bind: limit)" + SQLQueryString(skipLocked)
            ).all()
            guard !rows.isEmpty else { return 0 }
            var ids: [String] = []
            var runs: [(conversationId: String, target: OfflineTarget)] = []
            for row in rows {
                let id = try row.decode(column: "id", as: String.self)
                ids.append(id)
                for target in targets[try row.decode(column: "agent_id", as: String.self)] ?? [] { runs.append((id, target)) }
            }
            // Their runs in a few statements, not one each.
            for chunk in runs.chunked(into: 500) {
                var query = SQLQueryString("""
                    INSERT INTO runs (id, action_id, conversation_id, trigger_kind, status, dry_run, input, attempts, created_at, account_id, next_attempt_at) VALUES
                    """)
                for (index, run) in chunk.enumerated() {
                    query += (index > 0 ? ", " : " ") + """
                        (\(bind: Identifier.make("run")), \(bind: run.target.actionId), \(bind: run.conversationId), 'offline', 'pending', \(bind: false),
                          '{"fields":{}}', 0, \(bind: Store.stamp(now)), \(bind: run.target.accountId), \(bind: Store.stamp(now)))
                        """
                }
                try await db.raw(query + " ON CONFLICT DO NOTHING").run()
            }
            try await db.raw("UPDATE conversations SET dispatched_at = \(bind: Store.stamp(now)) WHERE id IN (\(binds: ids))").run()
            return ids.count
        }
    }

    /// When the first conversation not dispatched yet ends or ended (one indexed probe); `nil` when none has
    /// an end.
    public func nextConversationEnd() async throws -> Date? {
        try await database.raw("SELECT ends_at FROM conversations WHERE dispatched_at IS NULL AND ends_at IS NOT NULL ORDER BY ends_at LIMIT 1").first()
            .map { Store.date(try $0.decode(column: "ends_at", as: Double.self)) }
    }

    /// Inserts many open conversations at once (for load tests and benchmarks).
    public func insertConversations(_ conversations: [Conversation]) async throws {
        try await transaction { db in
            for chunk in conversations.chunked(into: 200) {
                var query = SQLQueryString("INSERT INTO conversations (id, agent_id, channel, started_at, last_message_at, ends_at, ended_at, attributes, summary, message_count) VALUES ")
                for (index, conversation) in chunk.enumerated() {
                    if index > 0 { query += ", " }
                    query += "(\(bind: conversation.id), \(bind: conversation.agentId), \(bind: conversation.channel.rawValue), \(bind: Store.stamp(conversation.startedAt)), \(bind: conversation.lastMessageAt.map(Store.stamp)), \(bind: conversation.endsAt.map(Store.stamp)), \(bind: conversation.endedAt.map(Store.stamp)), \(bind: Store.encode(conversation.attributes)), \(bind: conversation.summary), \(bind: conversation.messageCount))"
                }
                try await db.raw(query).run()
            }
        }
    }
}
