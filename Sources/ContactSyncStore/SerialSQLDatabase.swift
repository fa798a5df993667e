import Logging
import NIOCore
import SQLKit

/// A FIFO lock for async code.
actor AsyncLock {
    private var held = false
    private var waiters: [CheckedContinuation<Void, Never>] = []

    func lock() async {
        if !held {
            held = true
            return
        }
        await withCheckedContinuation { waiters.append($0) }
    }

    func unlock() {
        if waiters.isEmpty {
            held = false
        } else {
            waiters.removeFirst().resume()
        }
    }

    func withLock<T: Sendable>(_ body: @Sendable () async throws -> T) async throws -> T {
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
        // Expressions are values built for this one call; handing it to the task is safe.
        nonisolated(unsafe) let statement = query
        return eventLoop.makeFutureWithTask {
            try await gate.withLock { try await base.execute(sql: statement, onRow) }
        }
    }

    func withSession<R>(_ closure: @escaping @Sendable (any SQLDatabase) async throws -> R) async throws -> R {
        let base = self.base
        await gate.lock()
        do {
            let result = try await closure(base)
            await gate.unlock()
            return result
        } catch {
            await gate.unlock()
            throw error
        }
    }
}
