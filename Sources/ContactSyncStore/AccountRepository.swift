import ContactSyncCore
import Foundation
import SQLKit

/// Connected CRM accounts, their sealed credentials and status.
public struct AccountRepository: Repository {
    let store: Store
    /// Where actions, accounts and agents are kept between reads (see ``Repositories``).
    let cache: ConfigurationCache?
    /// Whether every read may be answered from the cache (one process owns the database), or only a run's.
    let cacheServesEveryRead: Bool

    /// Over `store`, reading every action and account from it; ``Repositories`` gives the cached ones.
    public init(_ store: Store) { self.init(store, cache: nil, servesEveryRead: false) }

    init(_ store: Store, cache: ConfigurationCache?, servesEveryRead: Bool) {
        self.store = store
        self.cache = cache
        cacheServesEveryRead = servesEveryRead
    }
}

extension AccountRepository {
    public func insertAccount(_ account: AccountRecord) async throws {
        defer { cache?.forget() }
        try await database.raw("""
            INSERT INTO accounts (id, crm, name, status, base_url, credentials, identity, emulator, created_at, updated_at)
            VALUES (\(bind: account.id), \(bind: account.crm.rawValue), \(bind: account.name), \(bind: account.status.rawValue),
              \(bind: account.baseURL), \(bind: account.sealedCredentials.base64EncodedString()), \(bind: account.identity), \(bind: account.emulator),
              \(bind: Store.stamp(account.createdAt)), \(bind: Store.stamp(account.updatedAt)))
            """).run()
    }

    /// The account as stored (on SQLite, kept from an earlier read until a write).
    public func account(id: String) async throws -> AccountRecord? {
        guard let cache, cacheServesEveryRead else { return try await versioned(id: id)?.record }
        return try await cache.account(id, read: { try await versioned(id: id) })
    }

    /// The account a run acts on: perhaps kept from an earlier read. On a database other instances write, the
    /// statement that opens the run checks it is still the stored version (``RunJournal``).
    public func accountForRun(id: String) async throws -> AccountRecord? {
        guard let cache else { return try await account(id: id) }
        return try await cache.account(id, read: { try await versioned(id: id) })
    }

    private func versioned(id: String) async throws -> ConfigurationCache.Versioned<AccountRecord>? {
        try await database.raw("SELECT * FROM accounts WHERE id = \(bind: id)").first().map {
            ConfigurationCache.Versioned(record: try Self.account($0), version: try $0.decode(column: "version", as: Int.self))
        }
    }

    public func accounts(limit: Int, cursor: String?) async throws -> Page<AccountRecord> {
        try await page("accounts", limit: limit, cursor: cursor, decode: Self.account)
    }

    public func updateAccountCredentials(id: String, sealed: Data, status: AccountStatus, now: Date) async throws {
        defer { cache?.forget() }
        try await database.raw("""
            UPDATE accounts SET credentials = \(bind: sealed.base64EncodedString()), status = \(bind: status.rawValue), updated_at = \(bind: Store.stamp(now)),
              version = version + 1
            WHERE id = \(bind: id)
            """).run()
    }

    /// Sets an account's status; with `ifCredentials`, only while it still holds those credentials (so a
    /// failure seen with old credentials never undoes a reconnect made meanwhile, on any instance).
    public func updateAccountStatus(id: String, status: AccountStatus, now: Date, ifCredentials sealed: Data? = nil) async throws {
        defer { cache?.forget() }
        var query = SQLQueryString("UPDATE accounts SET status = ")
            + "\(bind: status.rawValue), updated_at = \(bind: Store.stamp(now)), version = version + 1 WHERE id = \(bind: id)"
        if let sealed { query = query + " AND credentials = " + "\(bind: sealed.base64EncodedString())" }
        try await database.raw(query).run()
    }

    /// Deletes the account unless an action uses it; returns false when one does.
    public func deleteAccount(id: String) async throws -> Bool {
        defer { cache?.forget() }
        return try await transaction { db in
            let users = try await db.raw("SELECT COUNT(*) AS n FROM actions WHERE account_id = \(bind: id)").first()?.decode(column: "n", as: Int.self) ?? 0
            guard users == 0 else { return false }
            try await db.raw("DELETE FROM accounts WHERE id = \(bind: id)").run()
            return true
        }
    }

    static func account(_ row: any SQLRow) throws -> AccountRecord {
        AccountRecord(
            id: try row.decode(column: "id", as: String.self),
            crm: CRM(rawValue: try row.decode(column: "crm", as: String.self)) ?? .hubspot,
            name: try row.decode(column: "name", as: String.self),
            status: AccountStatus(rawValue: try row.decode(column: "status", as: String.self)) ?? .connected,
            baseURL: try row.decode(column: "base_url", as: String?.self),
            sealedCredentials: Data(base64Encoded: try row.decode(column: "credentials", as: String.self)) ?? Data(),
            identity: try row.decode(column: "identity", as: String?.self),
            emulator: try row.decode(column: "emulator", as: Bool.self),
            createdAt: Store.date(try row.decode(column: "created_at", as: Double.self)),
            updatedAt: Store.date(try row.decode(column: "updated_at", as: Double.self)))
    }
}
