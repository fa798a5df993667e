import Foundation
import Logging
import NIOCore
import PostgresKit

/// PostgreSQL statements of fixed text that a run makes on its hot path, each prepared once per connection
/// and then only bound and executed: the server parses and plans it once, not on every run.
///
/// A statement's parameters are typed by its `bindingDataTypes`, so that a value that is sometimes null
/// never changes a statement's prepared types.
struct PreparedStatements: Sendable {
    let pool: PoolBox
    let logger: Logger

    /// The rows `statement` returns, on a connection of the pool.
    func rows<Statement: PostgresPreparedStatement>(_ statement: Statement) async throws -> [Statement.Row] where Statement.Row: Sendable {
        try await pool.pool.withConnection(logger: logger) { [logger] connection in
            connection.eventLoop.makeFutureWithTask {
                var rows: [Statement.Row] = []
                for try await row in try await connection.execute(statement, logger: logger) { rows.append(row) }
                return rows
            }
        }.get()
    }
}

/// Parameters for a prepared statement, appended in its order.
struct PreparedBindings {
    private(set) var bindings = PostgresBindings(capacity: 40)

    mutating func text(_ value: String?) { bindings.append(value) }
    mutating func texts(_ values: [String]) { bindings.append(values) }
    mutating func bool(_ value: Bool) { bindings.append(value) }
    mutating func int(_ value: Int) { bindings.append(value) }
    mutating func stamp(_ value: Date?) { bindings.append(value.map(Store.stamp)) }
}
