import ContactSyncCore
import Foundation
import SQLKit

/// What a pass of runs records around its CRM calls, in the fewest round trips its database allows.
///
/// Before the calls, ``open(_:)``: the runs not stored yet, the attributes to remember and the customers'
/// write locks, with a check that the actions, account and agents the pass read from memory are still the stored
/// versions. After them, ``close(_:)``: the records the pass created, the locks given back, and each run's
/// result. On PostgreSQL each is one statement (the parts are data-modifying common table expressions of
/// it, applied together or not at all), so a run costs the database two round trips, three when it sends a
/// create (recorded before it is sent) or its decision needs to know whether a contact other than the one its
/// customer's lock names (``Opened/lastContacts``) is its own. On SQLite,
/// which one process owns, they are the same writes one after another, and the locks are in memory.
public struct RunJournal: Sendable {
    let store: Store
    let locks: any CustomerLocks
    let cache: ConfigurationCache

    init(_ store: Store, locks: any CustomerLocks, cache: ConfigurationCache) {
        self.store = store
        self.locks = locks
        self.cache = cache
    }

    /// A run to store as it opens: running, leased to its process.
    public struct NewRun: Sendable {
        public var run: RunRecord
        public var leaseOwner: String
        public var leaseUntil: Date

        public init(run: RunRecord, leaseOwner: String, leaseUntil: Date) {
            self.run = run
            self.leaseOwner = leaseOwner
            self.leaseUntil = leaseUntil
        }
    }

    /// What a pass writes before it calls the CRM.
    public struct Opening: Sendable {
        public var accountId: String
        public var newRuns: [NewRun] = []
        /// The customers (email, else phone number) to lock for `lockOwner` until `lockedUntil`.
        public var customers: [String] = []
        public var lockOwner: String
        public var lockedUntil: Date
        public var remember: [RememberedFor: [String: String]] = [:]
        /// The actions the pass acted on, as read for runs (``ConfigurationRepository/actionForRun(id:)``).
        public var actionIds: [String] = []
        /// The agents whose tools the pass's runs are, as read for runs (``ConfigurationRepository/agentForRun(id:)``).
        public var agentIds: [String] = []
        public var now: Date

        public init(accountId: String, lockOwner: String, lockedUntil: Date, now: Date) {
            self.accountId = accountId
            self.lockOwner = lockOwner
            self.lockedUntil = lockedUntil
            self.now = now
        }
    }

    /// What opening found.
    public struct Opened: Sendable {
        /// The customers now locked by the pass.
        public var locked: Set<String>
        /// False when an action or the account changed since the pass read it: the pass must read them again.
        public var configurationCurrent: Bool
        /// For customers locked whose lock another holder had: how many seconds ago, by the database's clock, it
        /// gave the lock back (0 when that holder let it expire). A lookup of the customer made while the lock
        /// was being taken is current only if it began after that holder's writes ended.
        public var heldBefore: [String: Double] = [:]
        /// For customers locked whose lock names a contact (PostgreSQL): the contact the customer's last run
        /// chose, as its pass gave the lock back, and whether contact-sync created it in the account, read in the
        /// statement that took the lock. Provenance is only ever added, and this customer's runs add it only
        /// under the lock now held, so a decision about that contact needs no read of its own after the lookup;
        /// any other contact the lookup finds is read.
        public var lastContacts: [String: LastContact] = [:]
    }

    /// The contact a customer's lock names, and whether contact-sync created it.
    public struct LastContact: Sendable, Equatable {
        public var id: String
        public var createdByUs: Bool

        public init(id: String, createdByUs: Bool) {
            self.id = id
            self.createdByUs = createdByUs
        }
    }

    /// What a pass writes once its runs are done.
    public struct Closing: Sendable {
        /// The lease owner: a stored run is saved only while still leased to it.
        public var owner: String
        /// Runs stored before, finished or `pending` until their next attempt.
        public var runs: [RunRecord] = []
        /// Runs never stored (they ended before the pass opened): stored as they are.
        public var unstored: [RunRecord] = []
        public var accountId: String?
        /// The CRM records the pass created, each by its run.
        public var provenance: [(recordId: String, runId: String)] = []
        /// The customers whose locks `lockOwner` gives back.
        public var releasing: [String] = []
        /// For customers in `releasing`: the contact the pass's last run of each chose, which its lock names from
        /// now on (``Opened/lastContacts``). A customer not in it keeps the contact its lock named.
        public var chosen: [String: String] = [:]
        public var lockOwner: String?
        /// Runs whose create this attempt recorded as sent while its lookup was under way, and never sent: the
        /// record is withdrawn, so that a later attempt takes no contact for a lost create of this one.
        public var withdrawn: Set<String> = []
        public var now: Date

        public init(owner: String, now: Date) {
            self.owner = owner
            self.now = now
        }
    }

    /// Stores the new runs, remembers the attributes and takes the locks; `RepositoryError.conflict` (and
    /// nothing written) when a new run's idempotency key, or an offline run's action and conversation, is taken.
    public func open(_ opening: Opening) async throws -> Opened {
        // Versions matter where other instances write; on SQLite what is kept is current.
        let versions = cache.versions(actionIds: opening.actionIds, accountId: opening.accountId, agentIds: opening.agentIds)
        guard store.dialect == .postgres, let locks = locks as? CustomerLockRepository else {
            for new in opening.newRuns { try await RunRepository(store).insertRun(new.run, leaseOwner: new.leaseOwner, leaseUntil: new.leaseUntil) }
            try await ContactRepository(store).rememberContactAttributes(opening.remember, now: opening.now)
            let locked = try await self.locks.acquireCustomerLocks(
                accountId: opening.accountId, emails: opening.customers, owner: opening.lockOwner, until: opening.lockedUntil, now: opening.now)
            // One process owns an SQLite database: its customers' turns in memory already order their writers.
            return Opened(locked: locked, configurationCurrent: store.dialect == .sqlite || versions != nil)
        }
        if let prepared = store.prepared, let statement = PreparedRunStatements.OpenRun(opening, versions: versions) {
            // An in-conversation run: the statement of fixed text, prepared once per connection.
            let rows: [(String?, Bool?, String?, Bool?)]
            do {
                rows = try await prepared.rows(statement)
            } catch where Store.isUniqueViolation(error) {
                throw RepositoryError.conflict(opening.newRuns[0].run.idempotencyKey ?? opening.newRuns[0].run.id)
            }
            var opened = opened(locked: rows.first?.0, current: rows.first?.1 == true)
            if let customer = statement.customer, opened.locked.contains(customer), let record = rows.first?.2 {
                opened.lastContacts[customer] = LastContact(id: record, createdByUs: rows.first?.3 == true)
            }
            return opened
        }
        var parts: [SQLQueryString] = []
        if !opening.newRuns.isEmpty { parts.append("inserted AS (" + RunRepository.insertion(opening.newRuns) + " RETURNING id)") }
        if let remembering = ContactRepository.remembering(opening.remember, now: opening.now) { parts.append("remembered AS (" + remembering + ")") }
        if let locking = locks.locking(
            accountId: opening.accountId, emails: opening.customers, owner: opening.lockOwner, until: opening.lockedUntil, now: opening.now,
            reportingHandover: true)
        {
            parts.append("locked AS (" + locking + ")")
        }
        var select = SQLQueryString("SELECT ")
        select = select + (opening.customers.isEmpty ? "NULL" : SQLQueryString(CustomerLockRepository.lockedCustomers)) + " AS locked"
        if let versions { select = select + ", " + Self.currentness(versions) + " AS current" }
        guard !parts.isEmpty || versions != nil else { return Opened(locked: [], configurationCurrent: false) }
        let query = parts.isEmpty ? select : SQLQueryString("WITH ") + parts.joined(separator: ", ") + " " + select
        let row: (any SQLRow)?
        do {
            row = try await store.database.raw(query).first()
        } catch where Store.isUniqueViolation(error) {
            throw RepositoryError.conflict(opening.newRuns.first?.run.idempotencyKey ?? opening.newRuns.first?.run.id ?? "")
        }
        return opened(
            locked: try row?.decode(column: "locked", as: String?.self),
            current: try versions != nil && row?.decode(column: "current", as: Bool.self) == true)
    }

    /// What opening found, from its statement's answer: each customer locked, a tab and how long ago another
    /// process's holder had its lock, a line each; and whether the configuration read is current (else the
    /// cache forgets it).
    private func opened(locked: String?, current: Bool) -> Opened {
        var opened = Opened(locked: [], configurationCurrent: current)
        for line in locked?.split(separator: "\n") ?? [] {
            let parts = line.split(separator: "\t", omittingEmptySubsequences: false)
            let email = String(parts[0])
            opened.locked.insert(email)
            if parts.count > 1, let ago = Double(parts[1]) { opened.heldBefore[email] = max(0, ago) }
        }
        if !opened.configurationCurrent { cache.forget() }
        return opened
    }

    /// Whether the actions, the account and the agents are at the versions read: one boolean expression.
    static func currentness(_ versions: ConfigurationVersions) -> SQLQueryString {
        var actions = SQLQueryString("(SELECT count(*) FROM actions WHERE ")
        for (index, (id, version)) in versions.actions.sorted(by: { $0.key < $1.key }).enumerated() {
            actions = actions + (index > 0 ? " OR " : "") + "(id = \(bind: id) AND version = \(bind: version))"
        }
        if versions.actions.isEmpty { actions = actions + "false" }
        var current = actions + ") = \(bind: versions.actions.count) AND EXISTS (SELECT 1 FROM accounts WHERE id = \(bind: versions.accountId) AND version = \(bind: versions.accountVersion))"
        for (id, version) in versions.agents.sorted(by: { $0.key < $1.key }) {
            current = current + " AND EXISTS (SELECT 1 FROM agents WHERE id = \(bind: id) AND version = \(bind: version))"
        }
        return current
    }

    /// Records what the pass created, gives its locks back and saves its runs, even when the caller is
    /// cancelled (``Store/finishing(_:)``). Returns the ids saved: a stored run whose lease passed to
    /// another process is left to it.
    public func close(_ closing: Closing) async throws -> Set<String> {
        try await store.finishing { [self] in
            guard store.dialect == .postgres, let locks = locks as? CustomerLockRepository else { return try await closeOneByOne(closing) }
            if let prepared = store.prepared, let statement = PreparedRunStatements.CloseRun(closing) {
                // An in-conversation run: the statement of fixed text, prepared once per connection.
                return Set(try await prepared.rows(statement))
            }
            var parts: [SQLQueryString] = []
            var saved: [String] = []
            if let accountId = closing.accountId, let recording = ContactRepository.recording(accountId: accountId, closing.provenance, now: closing.now) {
                parts.append("recorded AS (" + recording + ")")
            }
            if let accountId = closing.accountId, let owner = closing.lockOwner, let releasing = locks.releasing(accountId: accountId, emails: closing.releasing, owner: owner, naming: closing.chosen) {
                parts.append("released AS (" + releasing + ")")
            }
            if !closing.unstored.isEmpty {
                parts.append("stored AS (" + RunRepository.insertion(closing.unstored.map { NewRun(run: $0, leaseOwner: "", leaseUntil: closing.now) }, leased: false) + " RETURNING id)")
                saved.append("stored")
            }
            if !closing.runs.isEmpty {
                // One run (an in-conversation run's close) updates its row by id; a batch joins its results.
                let finishing = closing.runs.count == 1
                    ? RunRepository.finishing(closing.runs[0], owner: closing.owner, withdrawing: closing.withdrawn.contains(closing.runs[0].id))
                    : RunRepository.finishingAll(closing.runs, owner: closing.owner, withdrawing: closing.withdrawn)
                parts.append("finished AS (" + finishing + ")")
                saved.append("finished")
            }
            guard !parts.isEmpty else { return [] }
            let union = saved.map { name in "SELECT id FROM " + name }.joined(separator: " UNION ALL ")
            let select = SQLQueryString(saved.isEmpty ? "SELECT NULL AS id" : union)
            do {
                let rows = try await store.database.raw(SQLQueryString("WITH ") + parts.joined(separator: ", ") + " " + select).all()
                return Set(try rows.compactMap { try $0.decode(column: "id", as: String?.self) })
            } catch where Store.isUniqueViolation(error) {
                throw RepositoryError.conflict(closing.unstored.first?.idempotencyKey ?? closing.unstored.first?.id ?? "")
            }
        }
    }

    /// The same writes, one after another (SQLite).
    private func closeOneByOne(_ closing: Closing) async throws -> Set<String> {
        if let accountId = closing.accountId {
            try await ContactRepository(store).recordProvenance(accountId: accountId, records: closing.provenance, now: closing.now)
            if let owner = closing.lockOwner, !closing.releasing.isEmpty {
                try await locks.releaseCustomerLocks(accountId: accountId, emails: closing.releasing, owner: owner)
            }
        }
        for run in closing.unstored { try await RunRepository(store).insertRun(run) }
        let saved = try await RunRepository(store).finishRuns(closing.runs, owner: closing.owner, withdrawing: closing.withdrawn)
        return saved.union(closing.unstored.map(\.id))
    }
}
