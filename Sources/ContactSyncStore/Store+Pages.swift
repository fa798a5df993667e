import ContactSyncCore
import SQLKit

extension Store {
    /// Lists rows of `table` in creation order, `limit` at a time after `cursor`.
    func page<Item: Sendable>(
        _ table: String, limit: Int, cursor: String?, decode: (any SQLRow) throws -> Item
    ) async throws -> Page<Item> {
        let after: Int
        if let cursor {
            guard let value = Int(cursor), value >= 0 else { throw RepositoryError.invalidCursor }
            after = value
        } else {
            after = 0
        }
        let rows = try await database.raw("SELECT * FROM \(ident: table) WHERE seq > \(bind: after) ORDER BY seq LIMIT \(bind: limit + 1)").all()
        let items = try rows.prefix(limit).map(decode)
        let next = rows.count > limit ? try rows[limit - 1].decode(column: "seq", as: Int.self) : nil
        return Page(items: items, nextCursor: next.map(String.init))
    }
}
