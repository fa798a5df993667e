import ContactSyncCore
import AsyncKit
import Foundation
import Logging
import NIOCore
import NIOPosix
import PostgresKit
import SQLiteKit
import SQLKit

/// The SQL dialect in use, where the two differ.
public enum Dialect: Sendable {
    case sqlite, postgres
}

/// contact-sync's persistence: one implementation over SQLKit for SQLite and PostgreSQL.
public final class Store: Sendable {
    public let database: any SQLDatabase
    public let dialect: Dialect
    private let closer: @Sendable () async throws -> Void
    /// Writes a stopping run must finish; closing waits for them.
    let finishingWrites = FinishingWrites()
    /// On PostgreSQL, the hot path's statements of fixed text, prepared once per connection.
    let prepared: PreparedStatements?

    init(database: any SQLDatabase, dialect: Dialect, prepared: PreparedStatements? = nil, closer: @escaping @Sendable () async throws -> Void) {
        self.database = database
        self.dialect = dialect
        self.prepared = prepared
        self.closer = closer
    }

    /// The PostgreSQL connections one process opens at most, by default.
    public static let defaultPoolSize = 10

    /// Opens a connection pool to `location`. On PostgreSQL the process opens at most `maxConnections`
    /// connections in all, shared among its event loops (at least one each).
    public static func open(_ location: StoreLocation, logger: Logger, maxConnections: Int = Store.defaultPoolSize) async throws -> Store {
        let group = MultiThreadedEventLoopGroup.singleton
        switch location {
        case .sqlite(let path):
            let directory = (path as NSString).deletingLastPathComponent
            try PrivateFiles.directory(directory)
            if path != ":memory:" { try PrivateFiles.file(path) }
            let file = try SQLiteFile.open(path: path)
            let database = SQLiteFileDatabase(file: file, logger: logger, eventLoop: group.any(), gate: AsyncLock())
            try await database.raw("PRAGMA journal_mode=WAL").run()
            // With WAL, NORMAL syncs at checkpoints rather than on every commit: a killed process loses
            // nothing; only an operating-system crash could lose the last commits.
            try await database.raw("PRAGMA synchronous=NORMAL").run()
            try await database.raw("PRAGMA foreign_keys=ON").run()
            return Store(database: database, dialect: .sqlite, closer: { await database.close() })
        case .postgres(let url, let schema):
            var configuration = try SQLPostgresConfiguration(url: url)
            if let schema {
                let bootstrap = PoolBox(EventLoopGroupConnectionPool(source: PostgresConnectionSource(sqlConfiguration: configuration), maxConnectionsPerEventLoop: 1, logger: logger, on: group))
                try await bootstrap.pool.database(logger: logger).sql().raw("CREATE SCHEMA IF NOT EXISTS \(ident: schema)").run()
                try await bootstrap.pool.shutdownAsync()
                configuration.searchPath = [schema]
            }
            let source = PostgresConnectionSource(sqlConfiguration: configuration)
            let loops = Array(group.makeIterator()).count
            let pool = PoolBox(EventLoopGroupConnectionPool(
                source: source, maxConnectionsPerEventLoop: max(1, maxConnections / max(1, loops)), logger: logger, on: group))
            let database = pool.pool.database(logger: logger).sql()
            return Store(database: database, dialect: .postgres, prepared: PreparedStatements(pool: pool, logger: logger), closer: { try await Task.detached { try await pool.pool.shutdownAsync() }.value })
        }
    }

    /// Closes the pool, once the writes under way in ``finishing(_:)`` have ended.
    public func close() async throws {
        await finishingWrites.drained()
        try await closer()
    }

    /// Runs `body` to the end even when the calling task is cancelled (what a stopping run has done must
    /// still be recorded), and keeps the store open until it has ended.
    public func finishing<T: Sendable>(_ body: @escaping @Sendable () async throws -> T) async throws -> T {
        try await finishingWrites.run(body)
    }

    /// Keeps the store open while `body` runs (cancellable as the calling task is): a batch of runs that is
    /// stopped still records what it did before the store closes.
    public func keepingOpen<T>(_ body: () async throws -> T) async rethrows -> T {
        try await finishingWrites.hold(body)
    }

    /// Runs `body` in one transaction on one connection; it commits when `body` returns and rolls back
    /// when it throws.
    public func transaction<T: Sendable>(_ body: @escaping @Sendable (any SQLDatabase) async throws -> T) async throws -> T {
        let begin = dialect == .sqlite ? "BEGIN IMMEDIATE" : "BEGIN"
        return try await database.withSession { session in
            try await session.raw(SQLQueryString(begin)).run()
            do {
                let result = try await body(session)
                try await session.raw("COMMIT").run()
                return result
            } catch {
                try? await session.raw("ROLLBACK").run()
                throw error
            }
        }
    }

    /// Seconds since 1970, as times are stored.
    static func stamp(_ date: Date) -> Double { date.timeIntervalSince1970 }
    static func date(_ stamp: Double) -> Date { Date(timeIntervalSince1970: stamp) }
}

/// The PostgreSQL pool, which is safe to share although not marked so.
final class PoolBox: @unchecked Sendable {
    let pool: EventLoopGroupConnectionPool<PostgresConnectionSource>
    init(_ pool: EventLoopGroupConnectionPool<PostgresConnectionSource>) { self.pool = pool }
}
