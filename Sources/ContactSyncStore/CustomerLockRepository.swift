import ContactSyncCore
import Foundation
import SQLKit

/// One writer per customer: the customers' write locks (account and email), taken, renewed and released by
/// their holder. A lock that is free, or whose holder let it expire, is taken; a holder may take its own again.
public protocol CustomerLocks: Sendable {
    /// Takes the lock on each customer that is free or expired for `owner` until `until`; returns the emails
    /// now held by `owner`.
    func acquireCustomerLocks(accountId: String, emails: [String], owner: String, until: Date, now: Date) async throws -> Set<String>
    /// Keeps a holder's locks on these customers for longer (its heartbeat); a lock given back stays free.
    func extendCustomerLocks(accountId: String, emails: [String], owner: String, until: Date) async throws
    /// Gives customers' locks back, to the end even when the calling task is cancelled.
    func releaseCustomerLocks(accountId: String, emails: [String], owner: String) async throws
    /// Who holds a customer's lock at `now`, if anyone.
    func customerLockHolder(accountId: String, email: String, now: Date) async throws -> String?
}

/// The customer locks in the `customer_locks` table, shared by every instance on the database.
public struct CustomerLockRepository: Repository, CustomerLocks {
    let store: Store

    public init(_ store: Store) { self.store = store }
}

extension CustomerLockRepository {
    /// Takes the write lock on each customer (account and email) that is free or whose holder's lock has
    /// expired, for `owner` until `until`. Returns the emails now held by `owner`. Shared by every
    /// instance on the same database.
    public func acquireCustomerLocks(accountId: String, emails: [String], owner: String, until: Date, now: Date) async throws -> Set<String> {
        guard let query = locking(accountId: accountId, emails: emails, owner: owner, until: until, now: now, reportingHandover: false) else { return [] }
        return Set(try await database.raw(query).all().map { try $0.decode(column: "email", as: String.self) })
    }

    /// The statement that takes the locks, returning the emails now held by `owner`; nil when there are none to take.
    /// Reporting the handover (PostgreSQL), each lock taken also records and returns its `handover_age`
    /// (``handover``): the taking finds the lock as it was through the key's index, whatever the plan.
    func locking(accountId: String, emails: [String], owner: String, until: Date, now: Date, reportingHandover: Bool) -> SQLQueryString? {
        let distinct = Array(Set(emails)).sorted()
        guard !distinct.isEmpty else { return nil }
        var query = SQLQueryString("INSERT INTO customer_locks (account_id, email, owner, locked_until) VALUES ")
        for (index, email) in distinct.enumerated() {
            if index > 0 { query += ", " }
            query += "(\(bind: accountId), \(bind: email), \(bind: owner), \(bind: Store.stamp(until)))"
        }
        let handover = SQLQueryString(reportingHandover ? ", handover_age = " + Self.handover : "")
        return query + " ON CONFLICT (account_id, email) DO UPDATE SET owner = excluded.owner, locked_until = excluded.locked_until" + handover + """
             WHERE customer_locks.locked_until < \(bind: Store.stamp(now)) OR customer_locks.owner = excluded.owner
             RETURNING email
            """ + (reportingHandover ? ", handover_age" : "")
    }

    /// What a lock taken from its row as it was records as `handover_age` in an insert's conflict clause
    /// (PostgreSQL; the taker is `excluded.owner`): how long ago another process's holder gave it back, 0 when it
    /// expired in that holder's hands, null when this process held it (its turns order its own writers). A lock
    /// new to the table keeps the column's null.
    static let handover = "(CASE WHEN split_part(customer_locks.owner, '.', 1) = split_part(excluded.owner, '.', 1) THEN NULL"
        + " WHEN customer_locks.locked_until = 0 THEN \(postgresNow) - customer_locks.released_at ELSE 0 END)"

    /// Each customer locked, a tab and its lock's `handover_age`, a line each (empty when none): what opening a
    /// pass reads from its `locked` part.
    static let lockedCustomers = "(SELECT string_agg(email || chr(9) || coalesce(handover_age::text, ''), chr(10)) FROM locked)"

    /// Keeps a holder's locks on these customers for longer (its heartbeat); a lock given back stays free.
    public func extendCustomerLocks(accountId: String, emails: [String], owner: String, until: Date) async throws {
        guard !emails.isEmpty else { return }
        try await database.raw("""
            UPDATE customer_locks SET locked_until = \(bind: Store.stamp(until))
             WHERE account_id = \(bind: accountId) AND email IN (\(binds: Array(Set(emails)))) AND owner = \(bind: owner) AND locked_until > 0
            """).run()
    }

    /// Who holds a customer's lock at `now`, if anyone: a lock given back or expired has no holder.
    public func customerLockHolder(accountId: String, email: String, now: Date) async throws -> String? {
        try await database.raw("""
            SELECT owner FROM customer_locks
             WHERE account_id = \(bind: accountId) AND email = \(bind: email) AND locked_until >= \(bind: Store.stamp(now))
            """).first()?.decode(column: "owner", as: String.self)
    }

    /// Gives customers' write locks back, to the end even when the calling task is cancelled.
    public func releaseCustomerLocks(accountId: String, emails: [String], owner: String) async throws {
        guard let query = releasing(accountId: accountId, emails: emails, owner: owner) else { return }
        try await Task { [database] in try await database.raw(query).run() }.value
    }

    /// The statement that gives the locks back: free at once (`locked_until` 0), stamped with when by the
    /// database's clock, the last holder kept; nil when there are none. A lock whose customer is in `chosen`
    /// names that contact from now on (PostgreSQL's `UPDATE … FROM`).
    func releasing(accountId: String, emails: [String], owner: String, naming chosen: [String: String] = [:]) -> SQLQueryString? {
        guard !emails.isEmpty else { return nil }
        let emails = Array(Set(emails)).sorted()
        let release = "UPDATE customer_locks SET locked_until = 0, released_at = " + Self.databaseNow(dialect)
        guard emails.contains(where: { chosen[$0] != nil }) else {
            return release + " WHERE account_id = \(bind: accountId) AND owner = \(bind: owner) AND email IN (\(binds: emails))"
        }
        // A customer whose runs chose no contact keeps the name its lock had.
        var values: [SQLQueryString] = []
        for email in emails { values.append("(\(bind: email), CAST(\(bind: chosen[email]) AS TEXT))") }
        return release
            + ", record_id = coalesce(chosen.record_id, customer_locks.record_id) FROM (VALUES " + values.joined(separator: ", ")
            + ") AS chosen (email, record_id) WHERE customer_locks.account_id = \(bind: accountId) AND customer_locks.owner = \(bind: owner)"
            + " AND customer_locks.email = chosen.email"
    }

    /// The database's clock, in seconds since 1970: what a release is stamped with and measured against, so
    /// that no two instances' clocks are compared.
    static func databaseNow(_ dialect: Dialect) -> SQLQueryString {
        SQLQueryString(dialect == .postgres ? postgresNow : "((julianday('now') - 2440587.5) * 86400.0)")
    }

    /// PostgreSQL's clock, in seconds since 1970.
    static let postgresNow = "extract(epoch FROM now())::double precision"
}
