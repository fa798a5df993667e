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

}
