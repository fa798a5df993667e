import ContactSyncCore
import Foundation
import SQLKit

extension Store {
    /// Data retention: deletes messages older than `cutoff` and empties the inputs (values the agent sent) of
    /// runs created before it. Runs keep what they did. Returns how many messages and run inputs went.
    public func purge(before cutoff: Date) async throws -> (messages: Int, runInputs: Int) {
        let stamp = Store.stamp(cutoff)
        let empty = Self.encode(RunInput())
        func count(_ sql: SQLQueryString) async throws -> Int {
            try await database.raw(sql).first()?.decode(column: "n", as: Int.self) ?? 0
        }
        let messages = try await count("SELECT COUNT(*) AS n FROM messages WHERE at < \(bind: stamp)")
        let inputs = try await count("SELECT COUNT(*) AS n FROM runs WHERE created_at < \(bind: stamp) AND input <> \(bind: empty)")
        try await database.raw("DELETE FROM messages WHERE at < \(bind: stamp)").run()
        try await database.raw("UPDATE runs SET input = \(bind: empty) WHERE created_at < \(bind: stamp) AND input <> \(bind: empty)").run()
        return (messages, inputs)
    }
}
