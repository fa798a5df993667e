import ContactSyncCore
import ContactSyncStore
import Foundation
import Logging
import Testing

/// Test support shared by the test targets.

/// The databases the store is tested on: SQLite always, PostgreSQL when `scripts/test` provides one.
public enum Backend: String, CaseIterable, CustomTestStringConvertible, Sendable {
    case sqlite, postgres

    public var testDescription: String { rawValue }

    public static var postgresURL: String? { ProcessInfo.processInfo.environment["CONTACT_SYNC_TEST_POSTGRES_URL"] }

    /// SQLite, plus PostgreSQL when available.
    public static var available: [Backend] { postgresURL == nil ? [.sqlite] : [.sqlite, .postgres] }

    /// Where a fresh database lives: a new SQLite file, or a new PostgreSQL schema.
    public func freshLocation() -> StoreLocation {
        let name = "t" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased().prefix(16)
        switch self {
        case .sqlite: return .sqlite(path: FileManager.default.temporaryDirectory.appendingPathComponent("contact-sync-tests/\(name).sqlite").path)
        case .postgres: return .postgres(url: Self.postgresURL!, schema: name)
        }
    }

    /// A fresh, migrated store: a new SQLite file, or a new PostgreSQL schema.
    public func freshStore() async throws -> Store {
        var logger = Logger(label: "store-test")
        logger.logLevel = .warning
        let store = try await Store.open(freshLocation(), logger: logger)
        try await store.migrate()
        return store
    }
}

/// Runs `body` with a fresh store of `backend` and closes it afterwards.
public func withStore<T: Sendable>(_ backend: Backend, _ body: (Store) async throws -> T) async throws -> T {
    let store = try await backend.freshStore()
    do {
        let result = try await body(store)
        try await store.close()
        return result
    } catch {
        try? await store.close()
        throw error
    }
}
