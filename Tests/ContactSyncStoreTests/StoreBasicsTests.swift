import ContactSyncCore
@testable import ContactSyncStore
import ContactSyncTestSupport
import Foundation
import Logging
import SQLKit
import Synchronization
import Testing

@Suite("Store: ids, digests, remembered attributes, one shared SQLite connection")
struct StoreBasicsTests {
    @Test("ids are the prefix, an underscore and 20 letters or digits, each of the 62 as likely as the others")
    func ids() {
        let alphabet = Set("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")
        var seen: Set<String> = []
        var counts: [Character: Int] = [:]
        for _ in 0..<2_000 {
            let id = Identifier.make("run")
            #expect(id.hasPrefix("run_"))
            let body = id.dropFirst(4)
            #expect(body.count == 20)
            #expect(body.allSatisfy(alphabet.contains))
            seen.insert(id)
            for letter in body { counts[letter, default: 0] += 1 }
        }
        #expect(seen.count == 2_000)
        // 40,000 letters: about 645 of each; every letter appears, none more than twice as often as expected.
        #expect(counts.count == 62)
        #expect(counts.values.allSatisfy { $0 > 400 && $0 < 1_300 })
    }

    @Test("digests are SHA-256 in lower-case hex")
    func digest() {
        #expect(Digests.sha256("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(Digests.sha256("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
    }

    @Test("remembering an unchanged value writes nothing; a changed one replaces it", arguments: Backend.available)
    func rememberedAttributes(backend: Backend) async throws {
        try await withStore(backend) { store in
            let first = Date(timeIntervalSince1970: 1_800_000_000)
            try await ContactRepository(store).rememberContactAttributes(["jane@example.com": ["first_name": "Jane", "city": "Oslo"]], now: first)
            try await ContactRepository(store).rememberContactAttributes(["jane@example.com": ["first_name": "Jane", "city": "Bergen"]], now: first.addingTimeInterval(60))
            #expect(try await ContactRepository(store).contactAttributes(emails: ["jane@example.com"]) == ["jane@example.com": ["first_name": "Jane", "city": "Bergen"]])
            let stamps = try await store.database.raw("SELECT field_key, updated_at FROM contact_attributes ORDER BY field_key").all().map {
                (try $0.decode(column: "field_key", as: String.self), try $0.decode(column: "updated_at", as: Double.self))
            }
            #expect(stamps.map(\.0) == ["city", "first_name"])
            #expect(stamps.map(\.1) == [first.timeIntervalSince1970 + 60, first.timeIntervalSince1970])
        }
    }

    @Test("console sign-outs are remembered until the session would have expired", arguments: Backend.available)
    func signOuts(backend: Backend) async throws {
        try await withStore(backend) { store in
            let now = Date(timeIntervalSince1970: 1_800_000_000)
            try await AccessRepository(store).recordSignOut(sessionDigest: "short", expiresAt: now.addingTimeInterval(60), now: now)
            try await AccessRepository(store).recordSignOut(sessionDigest: "long", expiresAt: now.addingTimeInterval(3_600), now: now)
            try await AccessRepository(store).recordSignOut(sessionDigest: "long", expiresAt: now.addingTimeInterval(3_600), now: now)
            #expect(try await AccessRepository(store).isSignedOut(sessionDigest: "short"))
            #expect(try await AccessRepository(store).isSignedOut(sessionDigest: "long"))
            #expect(try await AccessRepository(store).isSignedOut(sessionDigest: "never") == false)
            // Two minutes on, the first would have expired anyway: the next sign-out forgets it.
            try await AccessRepository(store).recordSignOut(sessionDigest: "later", expiresAt: now.addingTimeInterval(7_200), now: now.addingTimeInterval(120))
            #expect(try await AccessRepository(store).isSignedOut(sessionDigest: "short") == false)
            #expect(try await AccessRepository(store).isSignedOut(sessionDigest: "long"))
        }
    }

    @Test("statements issued while a transaction holds the connection never see its half", arguments: Backend.available)
    func statementsBesideTransactions(backend: Backend) async throws {
        try await withStore(backend) { store in
            try await withThrowingTaskGroup(of: [Int].self) { group in
                for index in 0..<20 {
                    group.addTask {
                        try await store.transaction { db in
                            try await db.raw("INSERT INTO api_keys (id, key_hash, created_at) VALUES (\(bind: "a\(index)"), \(bind: "ha\(index)"), 1)").run()
                            try await Task.sleep(for: .milliseconds(2))
                            try await db.raw("INSERT INTO api_keys (id, key_hash, created_at) VALUES (\(bind: "b\(index)"), \(bind: "hb\(index)"), 1)").run()
                        }
                        return []
                    }
                }
                group.addTask {
                    var counts: [Int] = []
                    for _ in 0..<40 {
                        counts.append(try await store.database.raw("SELECT COUNT(*) AS n FROM api_keys").first()?.decode(column: "n", as: Int.self) ?? -1)
                        try await Task.sleep(for: .milliseconds(1))
                    }
                    return counts
                }
                var observed: [Int] = []
                for try await counts in group { observed += counts }
                #expect(observed.count == 40)
                #expect(observed.allSatisfy { $0 >= 0 && $0 % 2 == 0 }, "a count saw one row of a transaction's two: \(observed)")
            }
            #expect(try await store.database.raw("SELECT COUNT(*) AS n FROM api_keys").first()?.decode(column: "n", as: Int.self) == 40)
        }
    }

    // MARK: The SQLite file's own connection

    static func sqliteFile() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("cs-file-\(UUID().uuidString)/contact-sync.sqlite").path
    }

    @Test("SQLite: a kept statement sees a column added after it was first prepared, by this connection or another", arguments: [false, true])
    func keptStatementsFollowTheSchema(byAnotherConnection: Bool) async throws {
        let path = Self.sqliteFile()
        let store = try await Store.open(.sqlite(path: path), logger: .init(label: "test"))
        try await store.database.raw("CREATE TABLE scratch (a INTEGER)").run()
        try await store.database.raw("INSERT INTO scratch (a) VALUES (1)").run()
        #expect(try await store.database.raw("SELECT * FROM scratch").first()?.allColumns == ["a"])
        if byAnotherConnection {
            let other = try await Store.open(.sqlite(path: path), logger: .init(label: "test"))
            try await other.database.raw("ALTER TABLE scratch ADD COLUMN b TEXT DEFAULT 'x'").run()
            try await other.close()
        } else {
            try await store.database.raw("\n  alter TABLE scratch ADD COLUMN b TEXT DEFAULT 'x'").run()
        }
        let row = try await store.database.raw("SELECT * FROM scratch").first()
        #expect(row?.allColumns == ["a", "b"])
        #expect(try row?.decode(column: "b", as: String.self) == "x")
        try await store.close()
    }

    @Test("SQLite: a statement waits while another process's connection holds the write lock, then runs")
    func waitsForAnotherWriter() async throws {
        let path = Self.sqliteFile()
        let first = try await Store.open(.sqlite(path: path), logger: .init(label: "test"))
        try await first.migrate()
        let second = try await Store.open(.sqlite(path: path), logger: .init(label: "test"))
        let holding = AsyncStream<Void>.makeStream()
        let committing = Mutex(false)
        async let held: Void = second.transaction { db in
            try await db.raw("INSERT INTO api_keys (id, key_hash, created_at) VALUES ('held', 'h-held', 1)").run()
            holding.continuation.yield()
            try await Task.sleep(for: .milliseconds(300))
            committing.withLock { $0 = true }
        }
        for await _ in holding.stream { break }
        try await first.database.raw("INSERT INTO api_keys (id, key_hash, created_at) VALUES ('waited', 'h-waited', 1)").run()
        #expect(committing.withLock { $0 }, "the insert ran while the other connection held the lock")
        try await held
        #expect(try await first.database.raw("SELECT COUNT(*) AS n FROM api_keys WHERE id IN ('held', 'waited')").first()?.decode(column: "n", as: Int.self) == 2)
        try await second.close()
        try await first.close()
    }

    @Test("SQLite: a statement after the store is closed fails instead of touching the closed file")
    func closedFileRefuses() async throws {
        let store = try await Store.open(.sqlite(path: Self.sqliteFile()), logger: .init(label: "test"))
        try await store.close()
        await #expect(throws: (any Error).self) { try await store.database.raw("SELECT 1 AS one").run() }
    }

    // MARK: Actions and accounts kept in memory (SQLite)

    @Test("an action or account read again after a change is the changed one", arguments: Backend.available)
    func readsAfterWrites(backend: Backend) async throws {
        try await withStore(backend) { store in
            let account = StoreTests.account()
            try await AccountRepository(store).insertAccount(account)
            var action = StoreTests.action(accountId: account.id)
            try await ConfigurationRepository(store).insertAction(action, now: StoreTests.now)
            #expect(try await ConfigurationRepository(store).action(id: action.id)?.action.allowUpdateExisting == false)
            #expect(try await AccountRepository(store).account(id: account.id)?.status == .connected)
            action.allowUpdateExisting = true
            action.mappings.append(FieldMapping(crmField: "firstname", agentField: "first_name"))
            try await ConfigurationRepository(store).updateAction(action, now: StoreTests.now)
            let read = try #require(try await ConfigurationRepository(store).action(id: action.id)?.action)
            #expect(read.allowUpdateExisting && read.mappings.count == 3)
            try await AccountRepository(store).updateAccountStatus(id: account.id, status: .reconnectRequired, now: StoreTests.now)
            #expect(try await AccountRepository(store).account(id: account.id)?.status == .reconnectRequired)
            #expect(try await ConfigurationRepository(store).deleteAction(id: action.id) == true)
            #expect(try await ConfigurationRepository(store).action(id: action.id) == nil)
            #expect(try await AccountRepository(store).deleteAccount(id: account.id) == true)
            #expect(try await AccountRepository(store).account(id: account.id) == nil)
        }
    }

    @Test("a read that a write overlapped is not kept: the next read goes to the database")
    func overlappedReadIsNotKept() async throws {
        let cache = ConfigurationCache()
        let account = StoreTests.account()
        let reads = Mutex(0)
        let read: () async throws -> ConfigurationCache.Versioned<AccountRecord>? = {
            reads.withLock { $0 += 1 }
            return ConfigurationCache.Versioned(record: account, version: 0)
        }
        // The write lands while the first read is under way.
        _ = try await cache.account(account.id) {
            cache.forget()
            return try await read()
        }
        _ = try await cache.account(account.id, read: read)
        _ = try await cache.account(account.id, read: read)
        // The first read was dropped; the second was kept and answered the third.
        #expect(reads.withLock { $0 } == 2)
    }
}

/// The PostgreSQL pool is sized per process (a setting), not per core.
@Suite("Store: the PostgreSQL pool")
struct PoolSizeTests {
    /// The distinct server connections that `count` queries held at once used.
    static func connectionsUsed(_ store: Store, queries count: Int) async throws -> Int {
        try await withThrowingTaskGroup(of: Int.self) { group in
            for _ in 0..<count {
                group.addTask {
                    try await store.database.raw("SELECT pg_backend_pid() AS pid, pg_sleep(0.3)").first()?.decode(column: "pid", as: Int.self) ?? 0
                }
            }
            var pids: Set<Int> = []
            for try await pid in group { pids.insert(pid) }
            return pids.count
        }
    }

    @Test("poolSizeIsPerProcess: a process opens at most the pool size in connections, ten by default", arguments: Backend.available.filter { $0 == .postgres })
    func poolSizeIsPerProcess(backend: Backend) async throws {
        var logger = Logger(label: "pool-test")
        logger.logLevel = .warning
        let url = try #require(Backend.postgresURL)
        for (size, queries) in [(3, 12), (Store.defaultPoolSize, 24)] {
            let store = try await Store.open(.postgres(url: url, schema: nil), logger: logger, maxConnections: size)
            let used = try await Self.connectionsUsed(store, queries: queries)
            #expect(used <= size, "pool of \(size) used \(used) connections")
            if size == Store.defaultPoolSize { #expect(used > 4, "\(used)") }
            try await store.close()
        }
    }
}

/// When the shutdown grace runs out, the database stays open until the saves of stopping runs finish.
@Suite("Store: closing waits for finishing writes")
struct FinishingWritesTests {
    /// What the bodies wrote, by name.
    final class Written: Sendable {
        let names = Mutex<Set<String>>([])
    }

    @Test("databaseStaysOpenForFinishingSaves: a save under way, or a batch held open, still writes after close() was called", arguments: Backend.available)
    func databaseStaysOpenForFinishingSaves(backend: Backend) async throws {
        let store = try await backend.freshStore()
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        let (entered, enter) = AsyncStream<Void>.makeStream()
        let written = Written()
        let save = Task {
            try await store.finishing {
                enter.yield()
                try await Task.sleep(for: .milliseconds(300))
                try await AccessRepository(store).recordSignOut(sessionDigest: "saved-while-closing", expiresAt: now.addingTimeInterval(60), now: now)
                written.names.withLock { _ = $0.insert("save") }
            }
        }
        let batch = Task {
            try await store.keepingOpen {
                enter.yield()
                try await Task.sleep(for: .milliseconds(300))
                try await AccessRepository(store).recordSignOut(sessionDigest: "batch-while-closing", expiresAt: now.addingTimeInterval(60), now: now)
                written.names.withLock { _ = $0.insert("batch") }
            }
        }
        var under = 0
        for await _ in entered {
            under += 1
            if under == 2 { break }
        }
        // The stop cancels the saving task: the save still completes.
        save.cancel()
        try await store.close()
        #expect(written.names.withLock { $0 } == ["save", "batch"], "close() returned before both had written")
        try await save.value
        try await batch.value
    }
}
