import ContactSyncCore
import Foundation
import SQLKit

/// An offline-sync action of an agent: what to run when one of its conversations ends.
public struct OfflineTarget: Sendable, Hashable {
    public var actionId: String
    public var accountId: String

    public init(actionId: String, accountId: String) {
        self.actionId = actionId
        self.accountId = accountId
    }
}

extension Store {
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
            for row in rows {
                let id = try row.decode(column: "id", as: String.self)
                ids.append(id)
                for target in targets[try row.decode(column: "agent_id", as: String.self)] ?? [] {
                    try await db.raw("""
                        INSERT INTO runs (id, action_id, conversation_id, trigger_kind, status, dry_run, input, attempts, created_at, account_id, next_attempt_at)
                        VALUES (\(bind: Identifier.make("run")), \(bind: target.actionId), \(bind: id), 'offline', 'pending', \(bind: false), '{"fields":{}}', 0,
                          \(bind: Store.stamp(now)), \(bind: target.accountId), \(bind: Store.stamp(now)))
                        ON CONFLICT DO NOTHING
                        """).run()
                }
            }
            try await db.raw("UPDATE conversations SET dispatched_at = \(bind: Store.stamp(now)) WHERE id IN (\(binds: ids))").run()
            return ids.count
        }
    }

    /// Whether any conversation's end has come and it is not dispatched yet (one indexed probe).
    public func hasEndedConversations(now: Date) async throws -> Bool {
        try await database.raw("SELECT id FROM conversations WHERE dispatched_at IS NULL AND ends_at <= \(bind: Store.stamp(now)) LIMIT 1").first() != nil
    }

    /// Claims up to `limit` runs that are due, whatever started them: pending and past their next attempt,
    /// or running with an expired lease (their process died), leasing them to `owner` until `leaseUntil`.
    /// Runs of `excludingAccounts` (accounts with a batch under way here) are left for later.
    public func claimDueRuns(owner: String, now: Date, leaseUntil: Date, limit: Int, excludingAccounts: [String] = []) async throws -> [RunRecord] {
        let skipLocked = dialect == .postgres ? " FOR UPDATE SKIP LOCKED" : ""
        let stamp = Store.stamp(now)
        return try await transaction { db in
            var query = SQLQueryString("SELECT id FROM runs WHERE ((status = 'pending' AND next_attempt_at <= ")
                + "\(bind: stamp)" + ") OR (status = 'running' AND lease_until < " + "\(bind: stamp)" + "))"
            if !excludingAccounts.isEmpty { query = query + " AND account_id NOT IN (" + "\(binds: excludingAccounts)" + ")" }
            let due = try await db.raw(query + " ORDER BY next_attempt_at LIMIT " + "\(bind: limit)" + SQLQueryString(skipLocked))
                .all().map { try $0.decode(column: "id", as: String.self) }
            guard !due.isEmpty else { return [] }
            return try await db.raw("""
                UPDATE runs SET status = 'running', lease_owner = \(bind: owner), lease_until = \(bind: Store.stamp(leaseUntil)),
                  attempts = attempts + 1, started_at = \(bind: stamp), finished_at = NULL
                WHERE id IN (\(binds: due))
                RETURNING *
                """).all().map(Store.run)
        }
    }

    /// Extends the lease on runs still being worked on (a heartbeat), so no other worker takes them over.
    /// Returns how many were still leased to `owner`.
    @discardableResult
    public func extendLeases(ids: [String], owner: String, until: Date) async throws -> Int {
        guard !ids.isEmpty else { return 0 }
        return try await database.raw("""
            UPDATE runs SET lease_until = \(bind: Store.stamp(until))
            WHERE id IN (\(binds: ids)) AND lease_owner = \(bind: owner) AND status = 'running'
            RETURNING id
            """).all().count
    }

    /// Makes an account's waiting runs due again (after it was reconnected); their retry windows begin anew.
    public func resumeWaitingRuns(accountId: String, now: Date) async throws -> Int {
        let rows = try await database.raw("""
            UPDATE runs SET status = 'pending', next_attempt_at = \(bind: Store.stamp(now)), retry_window_from = NULL
            WHERE account_id = \(bind: accountId) AND status = 'waiting_for_account'
            RETURNING id
            """).all()
        return rows.count
    }

    /// Offline targets by agent: each agent's enabled offline-sync actions.
    public func offlineTargets() async throws -> [String: [OfflineTarget]] {
        let actions = try await database.raw("SELECT id, account_id FROM actions WHERE offline_sync = \(bind: true) AND enabled = \(bind: true)").all()
        var accounts: [String: String] = [:]
        for row in actions { accounts[try row.decode(column: "id", as: String.self)] = try row.decode(column: "account_id", as: String.self) }
        var targets: [String: [OfflineTarget]] = [:]
        for row in try await database.raw("SELECT id, action_ids FROM agents").all() {
            let ids = try Store.decode([String].self, try row.decode(column: "action_ids", as: String.self))
            let offline = ids.compactMap { id in accounts[id].map { OfflineTarget(actionId: id, accountId: $0) } }
            targets[try row.decode(column: "id", as: String.self)] = offline
        }
        return targets
    }

    /// Inserts many open conversations at once (for load tests and benchmarks).
    public func insertConversations(_ conversations: [Conversation]) async throws {
        try await transaction { db in
            for chunk in stride(from: 0, to: conversations.count, by: 200).map({ conversations[$0..<min($0 + 200, conversations.count)] }) {
                var query = SQLQueryString("INSERT INTO conversations (id, agent_id, channel, started_at, last_message_at, ends_at, ended_at, attributes, summary, message_count) VALUES ")
                for (index, conversation) in chunk.enumerated() {
                    if index > 0 { query = query + ", " }
                    query = query + "(\(bind: conversation.id), \(bind: conversation.agentId), \(bind: conversation.channel.rawValue), \(bind: Store.stamp(conversation.startedAt)), \(bind: conversation.lastMessageAt.map(Store.stamp)), \(bind: conversation.endsAt.map(Store.stamp)), \(bind: conversation.endedAt.map(Store.stamp)), \(bind: Store.encode(conversation.attributes)), \(bind: conversation.summary), \(bind: conversation.messageCount))"
                }
                try await db.raw(query).run()
            }
        }
    }
}
