import ContactSyncCore
import Foundation
import SQLKit

/// Runs and the run queue: inserted, claimed under leases, taken over, saved, retried, and read back.
public struct RunRepository: Repository {
    let store: Store

    public init(_ store: Store) { self.store = store }
}

extension RunRepository {
    /// Inserts a run; `RepositoryError.conflict` when its idempotency key (or, for an offline run, its action and
    /// conversation) is taken already. A running run is leased to `leaseOwner` until `leaseUntil`: past it,
    /// its process is presumed dead and any worker takes it over (`claimDueRuns`).
    public func insertRun(_ run: RunRecord, leaseOwner: String? = nil, leaseUntil: Date? = nil) async throws {
        do {
            let lease = leaseOwner.map { RunJournal.NewRun(run: run, leaseOwner: $0, leaseUntil: leaseUntil ?? run.createdAt) }
            try await database.raw(Self.insertion([lease ?? RunJournal.NewRun(run: run, leaseOwner: "", leaseUntil: run.createdAt)], leased: lease != nil)).run()
        } catch where Store.isUniqueViolation(error) {
            throw RepositoryError.conflict(run.idempotencyKey ?? run.id)
        }
    }

    /// The statement that inserts runs as they stand, leased to their owners (or not leased).
    static func insertion(_ runs: [RunJournal.NewRun], leased: Bool = true) -> SQLQueryString {
        var query = SQLQueryString("""
            INSERT INTO runs (id, action_id, conversation_id, trigger_kind, status, dry_run, input, idempotency_key, request_hash, result,
              attempts, created_at, started_at, finished_at, account_id, lease_owner, lease_until, next_attempt_at, retry_window_from) VALUES
            """)
        for (index, new) in runs.enumerated() {
            let run = new.run
            query += (index > 0 ? ", " : " ") + """
                (\(bind: run.id), \(bind: run.actionId), \(bind: run.conversationId), \(bind: run.trigger.rawValue), \(bind: run.status.rawValue),
                  \(bind: run.dryRun), \(bind: Store.encode(run.input)), \(bind: run.idempotencyKey), \(bind: run.requestHash),
                  \(bind: run.result.map(Store.encode)), \(bind: run.attempts), \(bind: Store.stamp(run.createdAt)),
                  \(bind: run.startedAt.map(Store.stamp)), \(bind: run.finishedAt.map(Store.stamp)), \(bind: run.accountId),
                  \(bind: leased ? new.leaseOwner : nil), \(bind: leased ? Store.stamp(new.leaseUntil) : nil), \(bind: run.nextAttemptAt.map(Store.stamp)),
                  \(bind: run.retryWindowFrom.map(Store.stamp)))
                """
        }
        return query
    }

    /// Saves runs a worker carried out, each only while still leased to `owner` (a run whose lease passed to
    /// another worker is left to that worker): finished, or `pending` until its `nextAttemptAt`. The one
    /// statement that records what a run did. Returns the ids saved.
    /// `withdrawing`: runs whose create, recorded as sent before their lookup answered, was never sent
    /// (``RunJournal/Closing/withdrawn``).
    @discardableResult
    public func finishRuns(_ runs: [RunRecord], owner: String, withdrawing: Set<String> = []) async throws -> Set<String> {
        switch runs.count {
        case 0: return []
        // One run (an in-conversation run's save) is one statement.
        case 1: return try await Self.finish(runs[0], owner: owner, withdrawing: withdrawing, in: database) ? [runs[0].id] : []
        default:
            if dialect == .postgres {
                let finishing = Self.finishingAll(runs, owner: owner, withdrawing: withdrawing)
                return Set(try await database.raw(finishing).all().map { try $0.decode(column: "id", as: String.self) })
            }
            return try await transaction { db in
                var saved: Set<String> = []
                for run in runs where try await Self.finish(run, owner: owner, withdrawing: withdrawing, in: db) { saved.insert(run.id) }
                return saved
            }
        }
    }

    private static func finish(_ run: RunRecord, owner: String, withdrawing: Set<String>, in db: any SQLDatabase) async throws -> Bool {
        try await !db.raw(finishing(run, owner: owner, withdrawing: withdrawing.contains(run.id))).all().isEmpty
    }

    /// The statement that saves a run's result while it is leased to `owner`, returning its id when it did;
    /// `withdrawing` also clears the create recorded as sent, which this attempt recorded early and never sent.
    static func finishing(_ run: RunRecord, owner: String, withdrawing: Bool = false) -> SQLQueryString {
        """
        UPDATE runs SET status = \(bind: run.status.rawValue), result = \(bind: run.result.map(Store.encode)), attempts = \(bind: run.attempts),
          started_at = \(bind: run.startedAt.map(Store.stamp)), finished_at = \(bind: run.finishedAt.map(Store.stamp)),
          next_attempt_at = \(bind: run.nextAttemptAt.map(Store.stamp)), lease_owner = NULL, lease_until = NULL,
          account_id = \(bind: run.accountId), retry_window_from = \(bind: run.retryWindowFrom.map(Store.stamp))
        """ + (withdrawing ? ", create_sent_at = NULL" : "") + """

        WHERE id = \(bind: run.id) AND lease_owner = \(bind: owner)
        RETURNING id
        """
    }

    /// One statement that saves many runs' results, each while leased to `owner`, returning the ids saved
    /// (PostgreSQL: the results travel as one JSON parameter, so the statement has the same text and two
    /// parameters however many runs it saves).
    static func finishingAll(_ runs: [RunRecord], owner: String, withdrawing: Set<String> = []) -> SQLQueryString {
        """
        UPDATE runs SET status = v.status, result = v.result, attempts = v.attempts, started_at = v.started_at, finished_at = v.finished_at,
          next_attempt_at = v.next_attempt_at, lease_owner = NULL, lease_until = NULL, account_id = v.account_id, retry_window_from = v.retry_window_from,
          create_sent_at = CASE WHEN v.withdrawn THEN NULL ELSE runs.create_sent_at END
        FROM jsonb_to_recordset(\(bind: Store.encode(runs.map { FinishedRun($0, withdrawn: withdrawing.contains($0.id)) }))::jsonb)
          AS v (id text, status text, result text, attempts integer, started_at float8, finished_at float8, next_attempt_at float8, account_id text,
          retry_window_from float8, withdrawn boolean)
        WHERE runs.id = v.id AND runs.lease_owner = \(bind: owner)
        RETURNING runs.id
        """
    }

    /// Takes over a running run whose lease has passed (its process died), leasing it to `owner`: one more
    /// attempt. Nil when the run is not running or its lease is still held.
    public func takeOver(runId: String, owner: String, now: Date, leaseUntil: Date) async throws -> RunRecord? {
        try await database.raw("""
            UPDATE runs SET lease_owner = \(bind: owner), lease_until = \(bind: Store.stamp(leaseUntil)), attempts = attempts + 1,
              started_at = \(bind: Store.stamp(now))
            WHERE id = \(bind: runId) AND status = 'running' AND lease_until < \(bind: Store.stamp(now))
            RETURNING *
            """).first().map(Store.run)
    }

    public func run(id: String) async throws -> RunRecord? {
        try await database.raw("SELECT * FROM runs WHERE id = \(bind: id)").first().map(Store.run)
    }

    public func run(actionId: String, idempotencyKey: String) async throws -> RunRecord? {
        try await database.raw("SELECT * FROM runs WHERE action_id = \(bind: actionId) AND idempotency_key = \(bind: idempotencyKey)").first().map(Store.run)
    }

    public func runs(_ filter: RunFilter, limit: Int, cursor: String?) async throws -> Page<RunRecord> {
        var after = 0
        if let cursor {
            guard let value = Int(cursor), value >= 0 else { throw RepositoryError.invalidCursor }
            after = value
        }
        var query = SQLQueryString("SELECT * FROM runs WHERE seq > ") + "\(bind: after)"
        if let id = filter.conversationId { query = query + " AND conversation_id = " + "\(bind: id)" }
        if let id = filter.actionId { query = query + " AND action_id = " + "\(bind: id)" }
        if let status = filter.status { query = query + " AND status = " + "\(bind: status.rawValue)" }
        query = query + " ORDER BY seq LIMIT " + "\(bind: limit + 1)"
        let rows = try await database.raw(query).all()
        let items = try rows.prefix(limit).map(Store.run)
        let next = rows.count > limit ? try rows[limit - 1].decode(column: "seq", as: Int.self) : nil
        return Page(items: items, nextCursor: next.map(String.init))
    }

    /// Records, before they are sent, that these runs send a create (the first time only).
    public func recordCreatesSent(runIds: [String], now: Date) async throws {
        guard !runIds.isEmpty else { return }
        if runIds.count == 1, let prepared = store.prepared {
            _ = try await prepared.rows(PreparedRunStatements.RecordCreateSent(runId: runIds[0], now: now))
            return
        }
        try await database.raw(
            "UPDATE runs SET create_sent_at = \(bind: Store.stamp(now)) WHERE id IN (\(binds: runIds)) AND create_sent_at IS NULL").run()
    }

    /// Which of `recordIds` contact-sync created in the account.
    public func createdRecords(accountId: String, among recordIds: [String]) async throws -> Set<String> {
        guard !recordIds.isEmpty else { return [] }
        if recordIds.count == 1, let prepared = store.prepared {
            // An in-conversation run's one match: the statement of fixed text, prepared once per connection.
            return Set(try await prepared.rows(PreparedRunStatements.CreatedRecord(accountId: accountId, recordId: recordIds[0])))
        }
        let rows = try await database.raw("SELECT crm_record_id FROM provenance WHERE account_id = \(bind: accountId) AND crm_record_id IN (\(binds: recordIds))").all()
        return Set(try rows.map { try $0.decode(column: "crm_record_id", as: String.self) })
    }

    /// Claims up to `limit` runs that are due, whatever started them: pending and past their next attempt,
    /// or running with an expired lease (their process died), leasing them to `owner` until `leaseUntil`.
    /// They come back in the order they were created.
    /// Runs of `excludingAccounts` (accounts with a batch under way here) are left for later.
    public func claimDueRuns(owner: String, now: Date, leaseUntil: Date, limit: Int, excludingAccounts: [String] = []) async throws -> [RunRecord] {
        let stamp = Store.stamp(now)
        // One statement: the due rows are chosen and leased together. On PostgreSQL they are locked as they are
        // chosen, and rows another worker is claiming are passed over; SQLite has one writer at a time.
        var due = SQLQueryString("SELECT id FROM runs WHERE ((status = 'pending' AND next_attempt_at <= ")
            + "\(bind: stamp)" + ") OR (status = 'running' AND lease_until < " + "\(bind: stamp)" + "))"
        if !excludingAccounts.isEmpty { due = due + " AND account_id NOT IN (" + "\(binds: excludingAccounts)" + ")" }
        due = due + " ORDER BY next_attempt_at LIMIT " + "\(bind: limit)" + (dialect == .postgres ? " FOR UPDATE SKIP LOCKED" : "")
        return try await database.raw("""
            UPDATE runs SET status = 'running', lease_owner = \(bind: owner), lease_until = \(bind: Store.stamp(leaseUntil)),
              attempts = attempts + 1, started_at = \(bind: stamp), finished_at = NULL
            WHERE id IN (
            """ + due + ") RETURNING *").all().map(Store.run).sorted { ($0.createdAt, $0.id) < ($1.createdAt, $1.id) }
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

    /// Claims a failed (or waiting) run for a retry, leasing it to `owner`: only one of several concurrent
    /// claims gets it. Returns the run, now `running` with one more attempt, or nil when it was not
    /// retryable any more.
    public func claimRetry(runId: String, owner: String, now: Date, leaseUntil: Date) async throws -> RunRecord? {
        try await database.raw("""
            UPDATE runs SET status = 'running', attempts = attempts + 1, started_at = \(bind: Store.stamp(now)), finished_at = NULL, result = NULL,
              next_attempt_at = NULL, lease_owner = \(bind: owner), lease_until = \(bind: Store.stamp(leaseUntil))
            WHERE id = \(bind: runId) AND status IN ('failed', 'waiting_for_account')
            RETURNING *
            """).first().map(Store.run)
    }

    /// The follow-ups among `ids` that an earlier follow-up of the same action and conversation, not finished
    /// yet, must go before (follow-ups apply in order).
    public func followUpsBehindEarlier(_ ids: [String]) async throws -> Set<String> {
        guard !ids.isEmpty else { return [] }
        let rows = try await database.raw("""
            SELECT later.id AS id FROM runs later
            WHERE later.id IN (\(binds: ids)) AND EXISTS (
              SELECT 1 FROM runs earlier
              WHERE earlier.action_id = later.action_id AND earlier.conversation_id = later.conversation_id
                AND earlier.trigger_kind = 'follow_up' AND earlier.seq < later.seq AND earlier.status IN ('pending', 'running'))
            """).all()
        return Set(try rows.map { try $0.decode(column: "id", as: String.self) })
    }

    /// The offline runs of these actions and conversations (the runs a follow-up follows).
    public func offlineRuns(_ keys: [ActionConversation]) async throws -> [ActionConversation: RunRecord] {
        guard !keys.isEmpty else { return [:] }
        let wanted = Set(keys)
        var result: [ActionConversation: RunRecord] = [:]
        let rows = try await database.raw(
            "SELECT * FROM runs WHERE trigger_kind = 'offline' AND conversation_id IN (\(binds: Array(Set(keys.map(\.conversationId)))))"
        ).all()
        for row in rows {
            let run = try Store.run(row)
            let key = ActionConversation(actionId: run.actionId, conversationId: run.conversationId ?? "")
            if wanted.contains(key) { result[key] = run }
        }
        return result
    }

    /// The newest runs first, optionally only those created since `since` or of one trigger.
    public func recentRuns(_ filter: RunFilter, trigger: RunTrigger? = nil, since: Date? = nil, limit: Int) async throws -> [RunRecord] {
        var query = SQLQueryString("SELECT * FROM runs WHERE 1 = 1")
        if let id = filter.conversationId { query = query + " AND conversation_id = " + "\(bind: id)" }
        if let id = filter.actionId { query = query + " AND action_id = " + "\(bind: id)" }
        if let status = filter.status { query = query + " AND status = " + "\(bind: status.rawValue)" }
        if let trigger { query = query + " AND trigger_kind = " + "\(bind: trigger.rawValue)" }
        if let since { query = query + " AND created_at >= " + "\(bind: Store.stamp(since))" }
        query = query + " ORDER BY seq DESC LIMIT " + "\(bind: limit)"
        return try await database.raw(query).all().map(Store.run)
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
            """).all().map(Store.run)
        return Dictionary(runs.map { ($0.actionId, $0) }, uniquingKeysWith: { first, _ in first })
    }
}

/// A run's result as ``RunRepository/finishingAll(_:owner:)`` sends it: the columns it saves, by name.
private struct FinishedRun: Encodable {
    let id: String
    let status: String
    let result: String?
    let attempts: Int
    let started_at: Double?
    let finished_at: Double?
    let next_attempt_at: Double?
    let account_id: String?
    let retry_window_from: Double?
    /// True only for a run whose create recorded early is withdrawn; left out otherwise (read as NULL).
    let withdrawn: Bool?

    init(_ run: RunRecord, withdrawn: Bool) {
        id = run.id
        status = run.status.rawValue
        result = run.result.map(Store.encode)
        attempts = run.attempts
        started_at = run.startedAt.map(Store.stamp)
        finished_at = run.finishedAt.map(Store.stamp)
        next_attempt_at = run.nextAttemptAt.map(Store.stamp)
        account_id = run.accountId
        retry_window_from = run.retryWindowFrom.map(Store.stamp)
        self.withdrawn = withdrawn ? true : nil
    }
}
