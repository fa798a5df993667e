import ContactSyncCore
import Foundation
import SQLKit

extension Store {
    /// Inserts a run; `StoreError.conflict` when its idempotency key (or, for an offline run, its action and
    /// conversation) is taken already. A running run is leased to `leaseOwner` until `leaseUntil`: past it,
    /// its process is presumed dead and any worker takes it over (`claimDueRuns`).
    public func insertRun(_ run: RunRecord, leaseOwner: String? = nil, leaseUntil: Date? = nil) async throws {
        do {
            try await database.raw("""
                INSERT INTO runs (id, action_id, conversation_id, trigger_kind, status, dry_run, input, idempotency_key, request_hash, result,
                  attempts, created_at, started_at, finished_at, account_id, lease_owner, lease_until)
                VALUES (\(bind: run.id), \(bind: run.actionId), \(bind: run.conversationId), \(bind: run.trigger.rawValue), \(bind: run.status.rawValue),
                  \(bind: run.dryRun), \(bind: Self.encode(run.input)), \(bind: run.idempotencyKey), \(bind: run.requestHash),
                  \(bind: run.result.map(Self.encode)), \(bind: run.attempts), \(bind: Store.stamp(run.createdAt)),
                  \(bind: run.startedAt.map(Store.stamp)), \(bind: run.finishedAt.map(Store.stamp)), \(bind: run.accountId),
                  \(bind: leaseOwner), \(bind: leaseUntil.map(Store.stamp)))
                """).run()
        } catch where Self.isUniqueViolation(error) {
            throw StoreError.conflict(run.idempotencyKey ?? run.id)
        }
    }

    /// Saves runs a worker carried out, each only while still leased to `owner` (a run whose lease passed to
    /// another worker is left to that worker): finished, or `pending` until its `nextAttemptAt`. The one
    /// statement that records what a run did. Returns the ids saved.
    @discardableResult
    public func finishRuns(_ runs: [RunRecord], owner: String) async throws -> Set<String> {
        switch runs.count {
        case 0: return []
        // One run (an in-conversation run's save) is one statement.
        case 1: return try await Self.finish(runs[0], owner: owner, in: database) ? [runs[0].id] : []
        default:
            return try await transaction { db in
                var saved: Set<String> = []
                for run in runs where try await Self.finish(run, owner: owner, in: db) { saved.insert(run.id) }
                return saved
            }
        }
    }

    private static func finish(_ run: RunRecord, owner: String, in db: any SQLDatabase) async throws -> Bool {
        try await !db.raw("""
            UPDATE runs SET status = \(bind: run.status.rawValue), result = \(bind: run.result.map(Store.encode)), attempts = \(bind: run.attempts),
              started_at = \(bind: run.startedAt.map(Store.stamp)), finished_at = \(bind: run.finishedAt.map(Store.stamp)),
              next_attempt_at = \(bind: run.nextAttemptAt.map(Store.stamp)), lease_owner = NULL, lease_until = NULL,
              account_id = \(bind: run.accountId), retry_window_from = \(bind: run.retryWindowFrom.map(Store.stamp))
            WHERE id = \(bind: run.id) AND lease_owner = \(bind: owner)
            RETURNING id
            """).all().isEmpty
    }

    /// Takes over a running run whose lease has passed (its process died), leasing it to `owner`: one more
    /// attempt. Nil when the run is not running or its lease is still held.
    public func takeOver(runId: String, owner: String, now: Date, leaseUntil: Date) async throws -> RunRecord? {
        try await database.raw("""
            UPDATE runs SET lease_owner = \(bind: owner), lease_until = \(bind: Store.stamp(leaseUntil)), attempts = attempts + 1,
              started_at = \(bind: Store.stamp(now))
            WHERE id = \(bind: runId) AND status = 'running' AND lease_until < \(bind: Store.stamp(now))
            RETURNING *
            """).first().map(Self.run)
    }

    public func run(id: String) async throws -> RunRecord? {
        try await database.raw("SELECT * FROM runs WHERE id = \(bind: id)").first().map(Self.run)
    }

    public func run(actionId: String, idempotencyKey: String) async throws -> RunRecord? {
        try await database.raw("SELECT * FROM runs WHERE action_id = \(bind: actionId) AND idempotency_key = \(bind: idempotencyKey)").first().map(Self.run)
    }

    public func runs(_ filter: RunFilter, limit: Int, cursor: String?) async throws -> Page<RunRecord> {
        var after = 0
        if let cursor {
            guard let value = Int(cursor), value >= 0 else { throw StoreError.invalidCursor }
            after = value
        }
        var query = SQLQueryString("SELECT * FROM runs WHERE seq > ") + "\(bind: after)"
        if let id = filter.conversationId { query = query + " AND conversation_id = " + "\(bind: id)" }
        if let id = filter.actionId { query = query + " AND action_id = " + "\(bind: id)" }
        if let status = filter.status { query = query + " AND status = " + "\(bind: status.rawValue)" }
        query = query + " ORDER BY seq LIMIT " + "\(bind: limit + 1)"
        let rows = try await database.raw(query).all()
        let items = try rows.prefix(limit).map(Self.run)
        let next = rows.count > limit ? try rows[limit - 1].decode(column: "seq", as: Int.self) : nil
        return Page(items: items, nextCursor: next.map(String.init))
    }

    static func run(_ row: any SQLRow) throws -> RunRecord {
        RunRecord(
            id: try row.decode(column: "id", as: String.self), actionId: try row.decode(column: "action_id", as: String.self),
            conversationId: try row.decode(column: "conversation_id", as: String?.self),
            trigger: RunTrigger(rawValue: try row.decode(column: "trigger_kind", as: String.self)) ?? .inConversation,
            status: RunStatus(rawValue: try row.decode(column: "status", as: String.self)) ?? .pending,
            dryRun: try row.decode(column: "dry_run", as: Bool.self),
            input: try decode(RunInput.self, try row.decode(column: "input", as: String.self)),
            idempotencyKey: try row.decode(column: "idempotency_key", as: String?.self),
            requestHash: try row.decode(column: "request_hash", as: String?.self),
            result: try row.decode(column: "result", as: String?.self).map { try decode(RunResult.self, $0) },
            attempts: try row.decode(column: "attempts", as: Int.self),
            createdAt: Store.date(try row.decode(column: "created_at", as: Double.self)),
            startedAt: try row.decode(column: "started_at", as: Double?.self).map(Store.date),
            finishedAt: try row.decode(column: "finished_at", as: Double?.self).map(Store.date),
            accountId: try row.decode(column: "account_id", as: String?.self),
            nextAttemptAt: try row.decode(column: "next_attempt_at", as: Double?.self).map(Store.date),
            retryWindowFrom: try row.decode(column: "retry_window_from", as: Double?.self).map(Store.date),
            createSentAt: try row.decode(column: "create_sent_at", as: Double?.self).map(Store.date))
    }

    // MARK: Provenance

    /// Records, before they are sent, that these runs send a create (the first time only).
    public func recordCreatesSent(runIds: [String], now: Date) async throws {
        guard !runIds.isEmpty else { return }
        try await database.raw(
            "UPDATE runs SET create_sent_at = \(bind: Store.stamp(now)) WHERE id IN (\(binds: runIds)) AND create_sent_at IS NULL").run()
    }

    /// Which of `recordIds` contact-sync created in the account.
    public func createdRecords(accountId: String, among recordIds: [String]) async throws -> Set<String> {
        guard !recordIds.isEmpty else { return [] }
        let rows = try await database.raw("SELECT crm_record_id FROM provenance WHERE account_id = \(bind: accountId) AND crm_record_id IN (\(binds: recordIds))").all()
        return Set(try rows.map { try $0.decode(column: "crm_record_id", as: String.self) })
    }
}
