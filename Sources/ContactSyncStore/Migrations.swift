import ContactSyncCore
import SQLKit

/// The schema, as numbered migrations; each runs once, in order, in its own transaction.
enum Migrations {
    /// Column types per dialect.
    struct Types {
        let serial: String
        let bool: String
        let double: String

        init(_ dialect: Dialect) {
            switch dialect {
            case .sqlite: (serial, bool, double) = ("INTEGER PRIMARY KEY AUTOINCREMENT", "BOOLEAN", "REAL")
            case .postgres: (serial, bool, double) = ("BIGSERIAL PRIMARY KEY", "BOOLEAN", "DOUBLE PRECISION")
            }
        }
    }

    static func all(_ t: Types) -> [(version: Int, statements: [String])] {
        [
            (1, [
                "CREATE TABLE api_keys (id TEXT PRIMARY KEY, key_hash TEXT NOT NULL UNIQUE, created_at \(t.double) NOT NULL)",
                """
                CREATE TABLE accounts (seq \(t.serial), id TEXT NOT NULL UNIQUE, crm TEXT NOT NULL, name TEXT NOT NULL,
                  status TEXT NOT NULL, base_url TEXT, credentials TEXT NOT NULL, identity TEXT, emulator \(t.bool) NOT NULL,
                  created_at \(t.double) NOT NULL, updated_at \(t.double) NOT NULL)
                """,
                """
                CREATE TABLE agent_fields (seq \(t.serial), field_key TEXT NOT NULL UNIQUE, label TEXT NOT NULL,
                  contact_attribute \(t.bool) NOT NULL, created_at \(t.double) NOT NULL)
                """,
                """
                CREATE TABLE actions (seq \(t.serial), id TEXT NOT NULL UNIQUE, template TEXT NOT NULL, name TEXT NOT NULL,
                  intent TEXT NOT NULL, offline_sync \(t.bool) NOT NULL, account_id TEXT NOT NULL, allow_create \(t.bool) NOT NULL,
                  allow_update_existing \(t.bool) NOT NULL, enabled \(t.bool) NOT NULL, mappings TEXT NOT NULL,
                  created_at \(t.double) NOT NULL, updated_at \(t.double) NOT NULL)
                """,
                "CREATE INDEX actions_account ON actions (account_id)",
                """
                CREATE TABLE agents (seq \(t.serial), id TEXT NOT NULL UNIQUE, name TEXT NOT NULL, channel TEXT NOT NULL,
                  action_ids TEXT NOT NULL, created_at \(t.double) NOT NULL, updated_at \(t.double) NOT NULL)
                """,
                """
                CREATE TABLE oauth_states (state TEXT PRIMARY KEY, crm TEXT NOT NULL, name TEXT NOT NULL, code_verifier TEXT NOT NULL,
                  login_url TEXT, emulator \(t.bool) NOT NULL, created_at \(t.double) NOT NULL)
                """,
            ]),
            (2, [
                """
                CREATE TABLE conversations (seq \(t.serial), id TEXT NOT NULL UNIQUE, agent_id TEXT NOT NULL, channel TEXT NOT NULL,
                  started_at \(t.double) NOT NULL, last_message_at \(t.double), ends_at \(t.double), ended_at \(t.double),
                  attributes TEXT NOT NULL, summary TEXT, message_count INTEGER NOT NULL)
                """,
                "CREATE INDEX conversations_ends_at ON conversations (ends_at)",
                """
                CREATE TABLE messages (seq \(t.serial), conversation_id TEXT NOT NULL, role TEXT NOT NULL, body TEXT NOT NULL,
                  at \(t.double) NOT NULL)
                """,
                "CREATE INDEX messages_conversation ON messages (conversation_id)",
                """
                CREATE TABLE contact_attributes (email TEXT NOT NULL, field_key TEXT NOT NULL, value TEXT NOT NULL,
                  updated_at \(t.double) NOT NULL, PRIMARY KEY (email, field_key))
                """,
                """
                CREATE TABLE runs (seq \(t.serial), id TEXT NOT NULL UNIQUE, action_id TEXT NOT NULL, conversation_id TEXT,
                  trigger_kind TEXT NOT NULL, status TEXT NOT NULL, dry_run \(t.bool) NOT NULL, input TEXT NOT NULL,
                  idempotency_key TEXT, request_hash TEXT, result TEXT, attempts INTEGER NOT NULL,
                  created_at \(t.double) NOT NULL, started_at \(t.double), finished_at \(t.double))
                """,
                "CREATE UNIQUE INDEX runs_idempotency ON runs (action_id, idempotency_key) WHERE idempotency_key IS NOT NULL",
                "CREATE UNIQUE INDEX runs_offline_once ON runs (action_id, conversation_id) WHERE trigger_kind = 'offline'",
                "CREATE INDEX runs_conversation ON runs (conversation_id)",
                "CREATE INDEX runs_action ON runs (action_id)",
                "CREATE INDEX runs_status ON runs (status)",
                """
                CREATE TABLE provenance (account_id TEXT NOT NULL, crm_record_id TEXT NOT NULL, run_id TEXT NOT NULL,
                  created_at \(t.double) NOT NULL, PRIMARY KEY (account_id, crm_record_id))
                """,
                """
                CREATE TABLE notes (action_id TEXT NOT NULL, conversation_id TEXT NOT NULL, note_id TEXT NOT NULL, contact_id TEXT NOT NULL,
                  updated_at \(t.double) NOT NULL, PRIMARY KEY (action_id, conversation_id))
                """,
            ]),
            (3, [
                "ALTER TABLE conversations ADD COLUMN dispatched_at \(t.double)",
                "CREATE INDEX conversations_due ON conversations (ends_at) WHERE dispatched_at IS NULL",
                "ALTER TABLE runs ADD COLUMN account_id TEXT",
                "ALTER TABLE runs ADD COLUMN next_attempt_at \(t.double)",
                "ALTER TABLE runs ADD COLUMN lease_owner TEXT",
                "ALTER TABLE runs ADD COLUMN lease_until \(t.double)",
                "CREATE INDEX runs_queue ON runs (status, next_attempt_at) WHERE trigger_kind = 'offline'",
            ]),
            (4, [
                """
                CREATE TABLE customer_locks (account_id TEXT NOT NULL, email TEXT NOT NULL, owner TEXT NOT NULL,
                  locked_until \(t.double) NOT NULL, PRIMARY KEY (account_id, email))
                """,
                "CREATE INDEX customer_locks_owner ON customer_locks (owner)",
                "ALTER TABLE oauth_states ADD COLUMN account_id TEXT",
            ]),
            (5, [
                "ALTER TABLE actions ADD COLUMN tool_name TEXT",
                "CREATE UNIQUE INDEX actions_tool_name ON actions (tool_name)",
                """
                CREATE TABLE agent_keys (id TEXT PRIMARY KEY, agent_id TEXT NOT NULL, key_hash TEXT NOT NULL UNIQUE,
                  created_at \(t.double) NOT NULL)
                """,
                "CREATE INDEX agent_keys_agent ON agent_keys (agent_id)",
            ]),
            (6, [
                // An agent's extraction settings (JSON); none means the defaults.
                "ALTER TABLE agents ADD COLUMN extraction TEXT",
            ]),
            (7, [
                // Console sessions signed out before their expiry (by the digest of their cookie).
                "CREATE TABLE console_signouts (session_digest TEXT PRIMARY KEY, expires_at \(t.double) NOT NULL)",
            ]),
            (8, [
                // Remembered contact attributes have a scope: '' for every agent's runs (written with the admin
                // key), or the one agent whose key wrote them.
                """
                CREATE TABLE contact_attributes_scoped (scope TEXT NOT NULL, email TEXT NOT NULL, field_key TEXT NOT NULL,
                  value TEXT NOT NULL, updated_at \(t.double) NOT NULL, PRIMARY KEY (scope, email, field_key))
                """,
                "INSERT INTO contact_attributes_scoped (scope, email, field_key, value, updated_at) SELECT '', email, field_key, value, updated_at FROM contact_attributes",
                "DROP TABLE contact_attributes",
                "ALTER TABLE contact_attributes_scoped RENAME TO contact_attributes",
                "CREATE INDEX contact_attributes_email ON contact_attributes (email)",
            ]),
            (9, [
                // When a run's retry window began (its first failed try since it could run).
                "ALTER TABLE runs ADD COLUMN retry_window_from \(t.double)",
            ]),
            (10, [
                // When an attempt of the run first sent a create (recorded before sending).
                "ALTER TABLE runs ADD COLUMN create_sent_at \(t.double)",
            ]),
            (11, [
                // The digest of the browser binding an OAuth authorization must come back with.
                "ALTER TABLE oauth_states ADD COLUMN binding TEXT",
                // Due runs of every trigger are claimed from one queue.
                "DROP INDEX runs_queue",
                "CREATE INDEX runs_due ON runs (status, next_attempt_at)",
            ]),
            (12, [
                // The console's read models: the last run of each action, and the last day's runs.
                "CREATE INDEX runs_action_seq ON runs (action_id, seq)",
                "CREATE INDEX runs_created ON runs (created_at)",
            ]),
            (13, [
                // Voice platforms: an agent's connection, each delivery to its webhook, and the platform a
                // conversation came from.
                "ALTER TABLE conversations ADD COLUMN platform TEXT",
                """
                CREATE TABLE platform_connections (agent_id TEXT PRIMARY KEY, platform TEXT NOT NULL, secret TEXT NOT NULL,
                  mapping TEXT NOT NULL, caller_phone_field TEXT, created_at \(t.double) NOT NULL, updated_at \(t.double) NOT NULL)
                """,
                """
                CREATE TABLE webhook_deliveries (seq \(t.serial), agent_id TEXT NOT NULL, platform TEXT NOT NULL, digest TEXT,
                  received_at \(t.double) NOT NULL, event_type TEXT, status TEXT NOT NULL, reason TEXT, conversation_id TEXT)
                """,
                // A delivery's digest is recorded once: a redelivery is told by it.
                "CREATE UNIQUE INDEX webhook_deliveries_digest ON webhook_deliveries (agent_id, digest)",
                "CREATE INDEX webhook_deliveries_agent ON webhook_deliveries (agent_id, seq)",
            ]),
            (14, [
                // How an action finds its customer's contact: by email (the seeds), or by phone too.
                "ALTER TABLE actions ADD COLUMN match_mode TEXT NOT NULL DEFAULT 'email'",
                // How it logs the conversation (null: the CRM's standard way), and what is known of a call.
                "ALTER TABLE actions ADD COLUMN log_as TEXT",
                "ALTER TABLE conversations ADD COLUMN call_facts TEXT",
            ]),
            (15, [
                // Every change to an action or an account counts up its version: a run that read one from memory
                // checks, in the statement that opens it, that the version is still the stored one.
                "ALTER TABLE actions ADD COLUMN version INTEGER NOT NULL DEFAULT 0",
                "ALTER TABLE accounts ADD COLUMN version INTEGER NOT NULL DEFAULT 0",
            ]),
            (16, [
                // A customer's lock is given back, not deleted: when, by the database's clock, tells a pass that
                // looked the customer up while taking the lock whether another writer finished meanwhile.
                "ALTER TABLE customer_locks ADD COLUMN released_at \(t.double)",
            ]),
            (17, [
                // Each is the first column of a wider index (runs_action_seq, runs_due) that serves the same
                // lookups; every run inserted or saved wrote an entry to both.
                "DROP INDEX runs_action",
                "DROP INDEX runs_status",
            ]),
            (18, [
                // Locks are renewed by customer, not by holder: with the holder indexed, no lock taken (each
                // changes it) was a heap-only update.
                "DROP INDEX customer_locks_owner",
                // What a lock's last taking found of the holder before (CustomerLockRepository.handover).
                "ALTER TABLE customer_locks ADD COLUMN handover_age \(t.double)",
            ]),
            (19, [
                // The contact the customer's last run chose, named as its pass gives the lock back:
                // the next run learns whether contact-sync created it as it takes the lock (RunJournal.Opened).
                "ALTER TABLE customer_locks ADD COLUMN record_id TEXT",
            ]),
            (20, [
                // Every change to an agent counts up its version: a tool call that read the agent from memory
                // checks, in the statement that opens its run, that the agent is still as read.
                "ALTER TABLE agents ADD COLUMN version INTEGER NOT NULL DEFAULT 0",
            ]),
        ]
    }
}

extension Store {
    /// Applies every migration not applied yet. Safe to run from several processes at once on PostgreSQL
    /// (an advisory lock serialises them).
    public func migrate() async throws {
        try await database.raw("CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at \(unsafeRaw: Migrations.Types(dialect).double) NOT NULL)").run()
        let dialect = self.dialect
        for migration in Migrations.all(Migrations.Types(dialect)) {
            try await transaction { db in
                if dialect == .postgres { try await db.raw("SELECT pg_advisory_xact_lock(727274)").run() }
                let applied = try await db.raw("SELECT version FROM schema_migrations WHERE version = \(bind: migration.version)").all()
                guard applied.isEmpty else { return }
                for statement in migration.statements { try await db.raw(SQLQueryString(statement)).run() }
                try await db.raw("INSERT INTO schema_migrations (version, applied_at) VALUES (\(bind: migration.version), \(bind: Store.stamp(.now)))").run()
            }
        }
        try await fillToolNames()
    }

    /// The version the migrations lead to.
    public static var latestSchemaVersion: Int { Migrations.all(Migrations.Types(.sqlite)).map(\.version).max() ?? 0 }

    /// The highest migration applied.
    public func schemaVersion() async throws -> Int {
        let rows = try await database.raw("SELECT MAX(version) AS v FROM schema_migrations").all()
        return try rows.first?.decodeNil(column: "v") == false ? try rows.first!.decode(column: "v", as: Int.self) : 0
    }
}
