import ContactSyncCore
import Foundation
import SQLKit

extension Store {
    public func insertConversation(_ conversation: Conversation) async throws {
        do {
            try await database.raw("""
                INSERT INTO conversations (id, agent_id, channel, started_at, last_message_at, ends_at, ended_at, attributes, summary, message_count)
                VALUES (\(bind: conversation.id), \(bind: conversation.agentId), \(bind: conversation.channel.rawValue),
                  \(bind: Store.stamp(conversation.startedAt)), \(bind: conversation.lastMessageAt.map(Store.stamp)),
                  \(bind: conversation.endsAt.map(Store.stamp)), \(bind: conversation.endedAt.map(Store.stamp)),
                  \(bind: Self.encode(conversation.attributes)), \(bind: conversation.summary), \(bind: conversation.messageCount))
                """).run()
        } catch where Self.isUniqueViolation(error) {
            throw StoreError.conflict(conversation.id)
        }
    }

    public func conversation(id: String) async throws -> Conversation? {
        try await database.raw("SELECT * FROM conversations WHERE id = \(bind: id)").first().map(Self.conversation)
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
                  summary = \(bind: next.summary), message_count = \(bind: next.messageCount)
                WHERE id = \(bind: id)
                """).run()
            if current.dispatchedAt != nil, let changes = next.changes(since: current) {
                try await Store.scheduleFollowUps(db, conversationId: id, changes: changes, now: now)
            }
            return next
        }
    }

    public func insertMessage(conversationId: String, role: String, text: String, at: Date) async throws {
        try await database.raw("""
            INSERT INTO messages (conversation_id, role, body, at) VALUES (\(bind: conversationId), \(bind: role), \(bind: text), \(bind: Store.stamp(at)))
            """).run()
    }

    static func conversation(_ row: any SQLRow) throws -> Conversation {
        Conversation(
            id: try row.decode(column: "id", as: String.self), agentId: try row.decode(column: "agent_id", as: String.self),
            channel: AgentChannel(rawValue: try row.decode(column: "channel", as: String.self)) ?? .text,
            startedAt: Store.date(try row.decode(column: "started_at", as: Double.self)),
            lastMessageAt: try row.decode(column: "last_message_at", as: Double?.self).map(Store.date),
            endsAt: try row.decode(column: "ends_at", as: Double?.self).map(Store.date),
            endedAt: try row.decode(column: "ended_at", as: Double?.self).map(Store.date),
            attributes: try decode([String: String].self, try row.decode(column: "attributes", as: String.self)),
            summary: try row.decode(column: "summary", as: String?.self),
            messageCount: try row.decode(column: "message_count", as: Int.self),
            dispatchedAt: try row.decode(column: "dispatched_at", as: Double?.self).map(Store.date))
    }

    // MARK: Contact attributes

    /// Remembers values for a customer (by normalised email) in a scope; later values replace earlier ones.
    public func rememberContactAttributes(email: String, scope: String, _ values: [String: String], now: Date) async throws {
        try await rememberContactAttributes([RememberedFor(email: email, scope: scope): values], now: now)
    }

    // MARK: Helpers

    static func encode(_ value: some Encodable) -> String {
        String(decoding: (try? CompactJSONEncoder().encodeOrFallBack(value)) ?? Data("null".utf8), as: UTF8.self)
    }

    static func decode<T: Decodable>(_ type: T.Type, _ text: String) throws -> T {
        try JSONDecoder().decode(T.self, from: Data(text.utf8))
    }
}

extension Store {
    /// Conversations by id (missing ids are left out).
    public func conversations(ids: [String]) async throws -> [String: Conversation] {
        var result: [String: Conversation] = [:]
        for chunk in stride(from: 0, to: ids.count, by: 500).map({ Array(ids[$0..<min($0 + 500, ids.count)]) }) {
            for row in try await database.raw("SELECT * FROM conversations WHERE id IN (\(binds: chunk))").all() {
                let conversation = try Store.conversation(row)
                result[conversation.id] = conversation
            }
        }
        return result
    }
}
