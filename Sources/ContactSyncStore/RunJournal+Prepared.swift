import ContactSyncCore
import Foundation
import PostgresKit

/// The statements of an in-conversation run on PostgreSQL — one run opened, one run closed, its create
/// recorded, whether its one match is contact-sync's own — with fixed texts, prepared once per connection
/// (``PreparedStatements``). They write what the statements ``RunJournal/open(_:)`` and
/// ``RunJournal/close(_:)`` build for any pass write, for one customer and one action. A customer's lock is
/// taken and given back by an insert that meets its row through the key's unique index, whatever plan
/// PostgreSQL keeps for the statement: a plan made while the table was a page or two scans it all.
enum PreparedRunStatements {
    /// The run's columns as ``RunRepository/insertion(_:leased:)`` writes them, in that order.
    static let runColumns = """
        id, action_id, conversation_id, trigger_kind, status, dry_run, input, idempotency_key, request_hash, result,
          attempts, created_at, started_at, finished_at, account_id, lease_owner, lease_until, next_attempt_at, retry_window_from
        """
    static let runTypes: [PostgresDataType] = [
        .text, .text, .text, .text, .text, .bool, .text, .text, .text, .text,
        .int8, .float8, .float8, .float8, .text, .text, .float8, .float8, .float8,
    ]

    /// Opens one new run: the run inserted, the attributes remembered, the lock taken with its handover
    /// (``CustomerLockRepository/handover``), and whether the action, account and agent (if any) read are current. One row: `locked` as
    /// ``RunJournal/open(_:)`` reads it, `current`, and the contact the lock names with whether contact-sync created it
    /// (``RunJournal/Opened/lastContacts``).
    struct OpenRun: PostgresPreparedStatement {
        static let name = "contact_sync_open_run_v3"
        static let sql = """
            WITH inserted AS (INSERT INTO runs (\(runColumns)) VALUES ($3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21)),
            remembered AS (INSERT INTO contact_attributes (scope, email, field_key, value, updated_at)
              SELECT r.scope, r.email, r.field_key, r.value, $22 FROM unnest($23::text[], $24::text[], $25::text[], $26::text[]) AS r (scope, email, field_key, value)
              ON CONFLICT (scope, email, field_key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at
              WHERE contact_attributes.value <> excluded.value),
            locked AS (INSERT INTO customer_locks (account_id, email, owner, locked_until) SELECT $1, $2, $27, $28 WHERE $2 IS NOT NULL
              ON CONFLICT (account_id, email) DO UPDATE SET owner = excluded.owner, locked_until = excluded.locked_until,
                handover_age = \(CustomerLockRepository.handover)
              WHERE customer_locks.locked_until < $29 OR customer_locks.owner = excluded.owner
              RETURNING email, handover_age, record_id)
            SELECT \(CustomerLockRepository.lockedCustomers) AS locked,
              EXISTS (SELECT 1 FROM actions WHERE id = $30 AND version = $31)
                AND EXISTS (SELECT 1 FROM accounts WHERE id = $32 AND version = $33)
                AND ($34::text IS NULL OR EXISTS (SELECT 1 FROM agents WHERE id = $34 AND version = $35)) AS current,
              (SELECT record_id FROM locked) AS last_record,
              EXISTS (SELECT 1 FROM provenance p JOIN locked l ON p.crm_record_id = l.record_id WHERE p.account_id = $1) AS last_record_ours
            """
        static let bindingDataTypes: [PostgresDataType] = [.text, .text] + runTypes
            + [.float8, .textArray, .textArray, .textArray, .textArray, .text, .float8, .float8, .text, .int8, .text, .int8, .text, .int8]
        typealias Row = (String?, Bool?, String?, Bool?)

        let opening: RunJournal.Opening
        let new: RunJournal.NewRun
        let customer: String?
        let action: (id: String, version: Int)
        let versions: ConfigurationVersions
        /// The agent whose tool the run is, with the version it was read at.
        let agent: (id: String, version: Int)?

        /// The statement for `opening`, when it opens one new run for at most one customer, one action and one
        /// agent whose versions were read.
        init?(_ opening: RunJournal.Opening, versions: ConfigurationVersions?) {
            let customers = Set(opening.customers)
            guard opening.newRuns.count == 1, customers.count <= 1, let versions, versions.actions.count == 1, let action = versions.actions.first,
                versions.agents.count <= 1
            else { return nil }
            self.agent = versions.agents.first.map { ($0.key, $0.value) }
            self.opening = opening
            self.new = opening.newRuns[0]
            self.customer = customers.first
            self.action = (action.key, action.value)
            self.versions = versions
        }

        func makeBindings() throws -> PostgresBindings {
            var binds = PreparedBindings()
            binds.text(opening.accountId)
            binds.text(customer)
            binds.run(new.run, leaseOwner: new.leaseOwner, leaseUntil: new.leaseUntil)
            let remembered = ContactRepository.rememberedRows(opening.remember)
            binds.stamp(opening.now)
            binds.texts(remembered.map(\.0))
            binds.texts(remembered.map(\.1))
            binds.texts(remembered.map(\.2))
            binds.texts(remembered.map(\.3))
            binds.text(opening.lockOwner)
            binds.stamp(opening.lockedUntil)
            binds.stamp(opening.now)
            binds.text(action.id)
            binds.int(action.version)
            binds.text(versions.accountId)
            binds.int(versions.accountVersion)
            binds.text(agent?.id)
            binds.int(agent?.version ?? 0)
            return binds.bindings
        }

        func decodeRow(_ row: PostgresRow) throws -> Row { try row.decode(Row.self) }
    }

    /// Closes one stored run: the records it created recorded, its customer's lock given back naming the contact it
    /// chose (when it chose one), its result saved while it is leased to `owner` (a create recorded early and never
    /// sent withdrawn). Returns the run's id when it was saved.
    struct CloseRun: PostgresPreparedStatement {
        static let name = "contact_sync_close_run_v3"
        static let sql = """
            WITH recorded AS (INSERT INTO provenance (account_id, crm_record_id, run_id, created_at)
              SELECT $1, p.record_id, p.run_id, $2 FROM unnest($3::text[], $4::text[]) AS p (record_id, run_id)
              ON CONFLICT (account_id, crm_record_id) DO NOTHING),
            released AS (INSERT INTO customer_locks (account_id, email, owner, locked_until, released_at, record_id)
              SELECT $1, $6, $5, 0, \(CustomerLockRepository.postgresNow), $17 WHERE $1 IS NOT NULL AND $5 IS NOT NULL AND $6 IS NOT NULL
              ON CONFLICT (account_id, email) DO UPDATE SET locked_until = 0, released_at = excluded.released_at,
                record_id = coalesce(excluded.record_id, customer_locks.record_id)
              WHERE customer_locks.owner = excluded.owner),
            finished AS (UPDATE runs SET status = $7, result = $8, attempts = $9, started_at = $10, finished_at = $11,
              next_attempt_at = $12, lease_owner = NULL, lease_until = NULL, account_id = $13, retry_window_from = $14,
              create_sent_at = CASE WHEN $18 THEN NULL ELSE create_sent_at END
              WHERE id = $15 AND lease_owner = $16 RETURNING id)
            SELECT id FROM finished
            """
        static let bindingDataTypes: [PostgresDataType] = [
            .text, .float8, .textArray, .textArray, .text, .text,
            .text, .text, .int8, .float8, .float8, .float8, .text, .float8, .text, .text, .text, .bool,
        ]
        typealias Row = String

        let closing: RunJournal.Closing
        let run: RunRecord
        let releasing: String?

        /// The statement for `closing`, when it saves one stored run and gives back at most one customer's lock.
        init?(_ closing: RunJournal.Closing) {
            let releasing = closing.accountId == nil || closing.lockOwner == nil ? [] : Set(closing.releasing)
            guard closing.runs.count == 1, closing.unstored.isEmpty, releasing.count <= 1 else { return nil }
            self.closing = closing
            self.run = closing.runs[0]
            self.releasing = releasing.first
        }

        func makeBindings() throws -> PostgresBindings {
            var binds = PreparedBindings()
            let accountId = closing.accountId
            let provenance = accountId == nil ? [] : closing.provenance
            binds.text(accountId)
            binds.stamp(closing.now)
            binds.texts(provenance.map(\.recordId))
            binds.texts(provenance.map(\.runId))
            binds.text(closing.lockOwner)
            binds.text(releasing)
            binds.text(run.status.rawValue)
            binds.text(run.result.map(Store.encode))
            binds.int(run.attempts)
            binds.stamp(run.startedAt)
            binds.stamp(run.finishedAt)
            binds.stamp(run.nextAttemptAt)
            binds.text(run.accountId)
            binds.stamp(run.retryWindowFrom)
            binds.text(run.id)
            binds.text(closing.owner)
            binds.text(run.result?.crmRecordId)
            binds.bool(closing.withdrawn.contains(run.id))
            return binds.bindings
        }

        func decodeRow(_ row: PostgresRow) throws -> Row { try row.decode(String.self) }
    }

    /// Records, before it is sent, that a run sends a create (the first time only).
    struct RecordCreateSent: PostgresPreparedStatement {
        static let name = "contact_sync_record_create_sent_v1"
        static let sql = "UPDATE runs SET create_sent_at = $1 WHERE id = $2 AND create_sent_at IS NULL"
        static let bindingDataTypes: [PostgresDataType] = [.float8, .text]
        typealias Row = ()

        let runId: String
        let now: Date

        func makeBindings() throws -> PostgresBindings {
            var binds = PreparedBindings()
            binds.stamp(now)
            binds.text(runId)
            return binds.bindings
        }

        func decodeRow(_ row: PostgresRow) throws -> Row {}
    }

    /// Whether contact-sync created one CRM record in an account: its id when it did, no row otherwise.
    struct CreatedRecord: PostgresPreparedStatement {
        static let name = "contact_sync_created_record_v1"
        static let sql = "SELECT crm_record_id FROM provenance WHERE account_id = $1 AND crm_record_id = $2"
        static let bindingDataTypes: [PostgresDataType] = [.text, .text]
        typealias Row = String

        let accountId: String
        let recordId: String

        func makeBindings() throws -> PostgresBindings {
            var binds = PreparedBindings()
            binds.text(accountId)
            binds.text(recordId)
            return binds.bindings
        }

        func decodeRow(_ row: PostgresRow) throws -> Row { try row.decode(String.self) }
    }
}

extension PreparedBindings {
    /// A new run's columns, in ``PreparedRunStatements/runColumns`` order.
    mutating func run(_ run: RunRecord, leaseOwner: String, leaseUntil: Date) {
        text(run.id)
        text(run.actionId)
        text(run.conversationId)
        text(run.trigger.rawValue)
        text(run.status.rawValue)
        bool(run.dryRun)
        text(Store.encode(run.input))
        text(run.idempotencyKey)
        text(run.requestHash)
        text(run.result.map(Store.encode))
        int(run.attempts)
        stamp(run.createdAt)
        stamp(run.startedAt)
        stamp(run.finishedAt)
        text(run.accountId)
        text(leaseOwner)
        stamp(leaseUntil)
        stamp(run.nextAttemptAt)
        stamp(run.retryWindowFrom)
    }
}
