import ContactSyncCore
import SQLKit

/// What every repository stands on: the store's database (its connections, dialect and transactions), one
/// repository per aggregate.
protocol Repository: Sendable {
    var store: Store { get }
}

extension Repository {
    var database: any SQLDatabase { store.database }
    var dialect: Dialect { store.dialect }

    func transaction<T: Sendable>(_ body: @escaping @Sendable (any SQLDatabase) async throws -> T) async throws -> T {
        try await store.transaction(body)
    }

    func page<Item: Sendable>(_ table: String, limit: Int, cursor: String?, decode: (any SQLRow) throws -> Item) async throws -> Page<Item> {
        try await store.page(table, limit: limit, cursor: cursor, decode: decode)
    }
}
