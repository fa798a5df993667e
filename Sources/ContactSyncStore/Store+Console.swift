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

    /// A field of a run's result (stored as JSON text), as SQL.
    private func resultField(_ path: [String]) -> String {
        switch dialect {
        case .sqlite: "json_extract(result, '$.\(path.joined(separator: "."))')"
        case .postgres: "(result::json #>> '{\(path.joined(separator: ","))}')"
        }
    }

    /// Runs created since `since` (dry runs left out), counted by whole hours before `now`, status and
    /// outcome: one query, however many runs there are.
    public func runCounts(since: Date, now: Date) async throws -> [RunCount] {
        // Whole hours, rounded down (PostgreSQL's cast would round to the nearest).
        let (open, close) = dialect == .postgres ? ("CAST(FLOOR((", ") / 3600) AS INTEGER)") : ("CAST((", ") / 3600 AS INTEGER)")
        let rows = try await database.raw(SQLQueryString("SELECT " + open) + "\(bind: Store.stamp(now))" + " - created_at"
            + SQLQueryString(close + " AS hours_ago, status, " + resultField(["outcome"]) + " AS outcome, COUNT(*) AS n")
            + " FROM runs WHERE created_at >= " + "\(bind: Store.stamp(since))" + " AND dry_run = " + "\(bind: false)"
            + " GROUP BY 1, 2, 3").all()
        return try rows.compactMap { row in
            guard let status = RunStatus(rawValue: try row.decode(column: "status", as: String.self)) else { return nil }
            return RunCount(
                hoursAgo: try row.decode(column: "hours_ago", as: Int.self), status: status,
                outcome: try row.decode(column: "outcome", as: String?.self).flatMap(RunOutcome.init(rawValue:)),
                count: try row.decode(column: "n", as: Int.self))
        }
    }

    /// The commonest reasons runs created since `since` failed for (dry runs left out), most first.
    public func failureCounts(since: Date, limit: Int) async throws -> [FailureCount] {
        let reason = resultField(["error", "message"])
        let rows = try await database.raw(SQLQueryString("SELECT " + reason + " AS reason, COUNT(*) AS n")
            + " FROM runs WHERE created_at >= " + "\(bind: Store.stamp(since))" + " AND dry_run = " + "\(bind: false)" + " AND status = 'failed'"
            + " GROUP BY 1 ORDER BY n DESC, reason LIMIT " + "\(bind: limit)").all()
        return try rows.map { row in
            FailureCount(reason: try row.decode(column: "reason", as: String?.self) ?? "Unknown failure", count: try row.decode(column: "n", as: Int.self))
        }
    }

    /// The newest run of each of these actions: one query.
    public func lastRuns(actionIds: [String]) async throws -> [String: RunRecord] {
        guard !actionIds.isEmpty else { return [:] }
        let runs = try await database.raw("""
            SELECT * FROM runs WHERE seq IN (SELECT MAX(seq) FROM runs WHERE action_id IN (\(binds: actionIds)) GROUP BY action_id)
            """).all().map(Self.run)
        return Dictionary(runs.map { ($0.actionId, $0) }, uniquingKeysWith: { first, _ in first })
    }
}
