import ContactSyncCore
import Foundation
import SQLKit

/// Retention: purges old messages and the inputs of finished runs.
public struct RetentionRepository: Repository {
    let store: Store

    public init(_ store: Store) { self.store = store }
}

extension RetentionRepository {
    /// Data retention: deletes messages and webhook delivery records older than `cutoff`, customers' locks given
    /// back more than an hour ago, and empties the
    /// inputs (values the agent sent) of runs created before it. Runs keep what they did. A run not finished yet (pending, running, waiting for
    /// its account) keeps its input, and its conversation its messages: it still needs them. Returns how many
    /// messages and run inputs went.
    public func purge(before cutoff: Date) async throws -> (messages: Int, runInputs: Int) {
        let stamp = Store.stamp(cutoff)
        let empty = Store.encode(RunInput())
        let unfinished = [RunStatus.pending, .running, .waitingForAccount].map(\.rawValue)
        let finished: SQLQueryString = "status NOT IN (\(binds: unfinished))"
        let kept: SQLQueryString = "conversation_id NOT IN (SELECT conversation_id FROM runs WHERE conversation_id IS NOT NULL AND status IN (\(binds: unfinished)))"
        func count(_ sql: SQLQueryString) async throws -> Int {
            try await database.raw(sql).first()?.decode(column: "n", as: Int.self) ?? 0
        }
        let messages = try await count("SELECT COUNT(*) AS n FROM messages WHERE at < \(bind: stamp) AND " + kept)
        let inputs = try await count("SELECT COUNT(*) AS n FROM runs WHERE created_at < \(bind: stamp) AND input <> \(bind: empty) AND " + finished)
        try await database.raw("DELETE FROM messages WHERE at < \(bind: stamp) AND " + kept).run()
        try await database.raw("UPDATE runs SET input = \(bind: empty) WHERE created_at < \(bind: stamp) AND input <> \(bind: empty) AND " + finished).run()
        // A delivery's record goes with the messages of its time; a redelivery that old is refused as stale anyway.
        try await database.raw("DELETE FROM webhook_deliveries WHERE received_at < \(bind: stamp)").run()
        // Customers' locks given back more than an hour ago tell nothing any more (nor one a holder let expire before the cutoff).
        try await database.raw("DELETE FROM customer_locks WHERE (locked_until = 0 AND released_at < " + CustomerLockRepository.databaseNow(dialect)
            + " - 3600) OR (locked_until > 0 AND locked_until < \(bind: stamp))").run()
        return (messages, inputs)
    }
}
