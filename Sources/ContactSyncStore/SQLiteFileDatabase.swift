import ContactSyncCore
import Logging
import NIOCore
import SQLiteKit
import SQLKit
import Synchronization

/// A FIFO lock for async code. Taking a free lock does not suspend; a waiter is handed the lock directly.
final class AsyncLock: Sendable {
    private struct State {
        var held = false
        var waiters: [CheckedContinuation<Void, Never>] = []
    }

    private let state = Mutex(State())

    func lock() async {
        if state.withLock({ Self.take(&$0) }) { return }
        await withCheckedContinuation { continuation in
            let taken = state.withLock { state in
                if Self.take(&state) { return true }
                state.waiters.append(continuation)
                return false
            }
            if taken { continuation.resume() }
        }
    }

    private static func take(_ state: inout State) -> Bool {
        guard !state.held else { return false }
        state.held = true
        return true
    }

    func unlock() {
        let next = state.withLock { state -> CheckedContinuation<Void, Never>? in
            guard !state.waiters.isEmpty else {
                state.held = false
                return nil
            }
            return state.waiters.removeFirst()
        }
        next?.resume()
    }

    func withLock<T>(_ body: () async throws -> T) async throws -> T {
        await lock()
        do {
            let result = try await body()
            unlock()
            return result
        } catch {
            unlock()
            throw error
        }
    }
}

/// A SQLite file behind SQLKit, shared by many tasks: each statement, and each session (transaction), has the
/// connection to itself. Statements run in the calling task, prepared once and kept.
struct SQLiteFileDatabase: SQLDatabase {
    let file: SQLiteFile
    let logger: Logger
    let eventLoop: any EventLoop
    /// The lock every use takes; `nil` inside a session, which holds it already.
    let gate: AsyncLock?

    var version: (any SQLDatabaseReportedVersion)? { nil }
    var dialect: any SQLDialect { SQLiteDialect() }
    var queryLogLevel: Logger.Level? { .debug }

    /// How long a statement waits for a lock another process holds before it fails.
    static let busyLimit = Duration.seconds(10)

    func execute(sql query: any SQLExpression, _ onRow: @escaping @Sendable (any SQLRow) -> ()) -> EventLoopFuture<Void> {
        eventLoop.makeFutureWithTask { try await self.execute(sql: query, onRow) }
    }

    /// The async path SQLKit's builders take: the statement runs in the calling task, with no task of its own.
    func execute(sql query: any SQLExpression, _ onRow: @escaping @Sendable (any SQLRow) -> ()) async throws {
        var serializer = SQLSerializer(database: self)
        query.serialize(to: &serializer)
        let (sql, binds) = (serializer.sql, serializer.binds)
        logger.debug("Executing query", metadata: ["sql": "\(sql)"])
        if let gate {
            try await gate.withLock { try await run(sql, binds, onRow) }
        } else {
            try await run(sql, binds, onRow)
        }
    }

    /// Runs the statement; while another process holds the lock, waits a little and tries again, without
    /// holding a thread.
    private func run(_ sql: String, _ binds: [any Encodable & Sendable], _ onRow: (any SQLRow) -> Void) async throws {
        let clock = ContinuousClock()
        let deadline = clock.now + Self.busyLimit
        var pause = Duration.milliseconds(1)
        while true {
            do {
                return try file.run(sql, binds: binds, onRow: onRow)
            } catch let error as SQLiteFileError where error.isBusy && clock.now < deadline {
                try await Task.sleep(for: pause)
                pause = min(pause * 2, .milliseconds(50))
            }
        }
    }

    /// Closes the file once no statement or session is using it.
    func close() async {
        await gate?.lock()
        file.close()
        gate?.unlock()
    }

    func withSession<R>(_ closure: @escaping @Sendable (any SQLDatabase) async throws -> R) async throws -> R {
        guard let gate else { return try await closure(self) }
        let session = SQLiteFileDatabase(file: file, logger: logger, eventLoop: eventLoop, gate: nil)
        return try await gate.withLock { try await closure(session) }
    }
}
