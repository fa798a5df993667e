import ContactSyncCore
import Foundation
import SQLKit

extension Store {
    /// How long a follow-up waits for more late changes, which it takes along (coalescing).
    public static let followUpDelay: TimeInterval = 2

    /// Schedules one follow-up run per offline run of the conversation, carrying the late changes: merged
    /// into a follow-up still pending (whose start moves back by `followUpDelay`), else a new one.
    static func scheduleFollowUps(_ db: any SQLDatabase, conversationId: String, changes: RunInput, now: Date) async throws {
        let due = Store.stamp(now.addingTimeInterval(followUpDelay))
        let offline = try await db.raw(
            "SELECT action_id, account_id FROM runs WHERE conversation_id = \(bind: conversationId) AND trigger_kind = 'offline'"
        ).all()
        for row in offline {
            let actionId = try row.decode(column: "action_id", as: String.self)
            let accountId = try row.decode(column: "account_id", as: String?.self)
            let pending = try await db.raw("""
                SELECT id, input FROM runs WHERE action_id = \(bind: actionId) AND conversation_id = \(bind: conversationId)
                  AND trigger_kind = 'follow_up' AND status = 'pending'
                """).first()
            var merged = false
            if let pending {
                var input = try decode(RunInput.self, try pending.decode(column: "input", as: String.self))
                input.fields.merge(changes.fields) { _, new in new }
                input.summary = changes.summary ?? input.summary
                // Only while it is still pending: a follow-up claimed meanwhile is never changed under its worker.
                merged = try await !db.raw("""
                    UPDATE runs SET input = \(bind: encode(input)), next_attempt_at = \(bind: due)
                    WHERE id = \(bind: try pending.decode(column: "id", as: String.self)) AND status = 'pending'
                    RETURNING id
                    """).all().isEmpty
            }
            if !merged {
                try await db.raw("""
                    INSERT INTO runs (id, action_id, conversation_id, trigger_kind, status, dry_run, input, attempts, created_at, account_id, next_attempt_at)
                    VALUES (\(bind: Identifier.make("run")), \(bind: actionId), \(bind: conversationId), 'follow_up', 'pending', \(bind: false), \(bind: encode(changes)), 0,
                      \(bind: Store.stamp(now)), \(bind: accountId), \(bind: due))
                    """).run()
            }
        }
    }

}
