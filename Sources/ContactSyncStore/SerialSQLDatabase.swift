import Logging
import NIOCore
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

/// One database connection shared by many tasks: each statement, and each session (transaction), has the
/// connection to itself.
struct SerialSQLDatabase: SQLDatabase {
    let base: any SQLDatabase
    let gate = AsyncLock()

    var logger: Logger { base.logger }
    var eventLoop: any EventLoop { base.eventLoop }
    var version: (any SQLDatabaseReportedVersion)? { base.version }
    var dialect: any SQLDialect { base.dialect }
    var queryLogLevel: Logger.Level? { base.queryLogLevel }

    func execute(sql query: any SQLExpression, _ onRow: @escaping @Sendable (any SQLRow) -> ()) -> EventLoopFuture<Void> {
        let base = self.base
        let gate = self.gate
        return eventLoop.makeFutureWithTask {
            try await gate.withLock { try await base.execute(sql: query, onRow) }
        }
    }

    /// The async path SQLKit's builders take: the statement runs in the calling task, with no task of its own.
    func execute(sql query: any SQLExpression, _ onRow: @escaping @Sendable (any SQLRow) -> ()) async throws {
        try await gate.withLock { try await base.execute(sql: query, onRow) }
    }

    func withSession<R>(_ closure: @escaping @Sendable (any SQLDatabase) async throws -> R) async throws -> R {
        try await gate.withLock { try await closure(base) }
    }
}
