import ContactSyncCore
import ContactSyncStore
import Foundation
import Logging
import NIOCore
import SQLKit

/// A database of its own for one bench run on the PostgreSQL server a URL names, dropped afterwards, and the
/// delay proxy in front of it (``DatabaseProxy``).
struct BenchDatabase {
    /// The server's URL with the bench's own database.
    let url: String
    /// The same reached through the proxy.
    let proxiedURL: String
    let proxy: DatabaseProxy
    private let serverURL: String
    private let name: String

    /// Creates the database on the server `serverURL` names and starts the proxy with `delayMs` each way.
    static func create(serverURL: String, delayMs: Double) async throws -> BenchDatabase {
        guard var components = URLComponents(string: serverURL), let host = components.host else { throw BenchError("--database-url is not a URL: postgres://user@host:port/database") }
        let name = "contact_sync_bench_" + UUID().uuidString.prefix(8).lowercased()
        try await Self.execute(serverURL, "CREATE DATABASE \(name)")
        components.path = "/" + name
        guard let url = components.string else { throw BenchError("--database-url could not name the bench's database") }
        let proxy = try await DatabaseProxy.start(to: host, port: components.port ?? 5432, delay: .nanoseconds(Int64(delayMs * 1_000_000)))
        components.host = "127.0.0.1"
        components.port = proxy.port
        guard let proxied = components.string else { throw BenchError("--database-url could not be proxied") }
        return BenchDatabase(url: url, proxiedURL: proxied, proxy: proxy, serverURL: serverURL, name: name)
    }

    /// Runs `body` with a database of its own on the server `serverURL` names (nil: with none), dropped afterwards.
    static func with<T>(serverURL: String?, delayMs: Double, _ body: (BenchDatabase?) async throws -> T) async throws -> T {
        guard let serverURL else { return try await body(nil) }
        let database = try await create(serverURL: serverURL, delayMs: delayMs)
        do {
            let result = try await body(database)
            await database.drop()
            return result
        } catch {
            await database.drop()
            throw error
        }
    }

    /// Stops the proxy and drops the database (its connections closed first).
    func drop() async {
        await proxy.stop()
        try? await Self.execute(serverURL, "DROP DATABASE IF EXISTS \(name) WITH (FORCE)")
    }

    private static func execute(_ url: String, _ statement: String) async throws {
        var logger = Logger(label: "bench-database")
        logger.logLevel = .critical
        let store = try await Store.open(.postgres(url: url, schema: nil), logger: logger, maxConnections: 1)
        do {
            try await store.database.raw(SQLQueryString(statement)).run()
            try await store.close()
        } catch {
            try? await store.close()
            throw error
        }
    }
}
