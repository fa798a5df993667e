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

    /// The follow-ups among `ids` that an earlier follow-up of the same action and conversation, not finished
    /// yet, must go before (follow-ups apply in order).
    public func followUpsBehindEarlier(_ ids: [String]) async throws -> Set<String> {
        guard !ids.isEmpty else { return [] }
        let rows = try await database.raw("""
            SELECT later.id AS id FROM runs later
            WHERE later.id IN (\(binds: ids)) AND EXISTS (
              SELECT 1 FROM runs earlier
              WHERE earlier.action_id = later.action_id AND earlier.conversation_id = later.conversation_id
                AND earlier.trigger_kind = 'follow_up' AND earlier.seq < later.seq AND earlier.status IN ('pending', 'running'))
            """).all()
        return Set(try rows.map { try $0.decode(column: "id", as: String.self) })
    }

    /// The offline runs of these actions and conversations (the runs a follow-up follows).
    public func offlineRuns(_ keys: [ActionConversation]) async throws -> [ActionConversation: RunRecord] {
        guard !keys.isEmpty else { return [:] }
        let wanted = Set(keys)
        var result: [ActionConversation: RunRecord] = [:]
        let rows = try await database.raw(
            "SELECT * FROM runs WHERE trigger_kind = 'offline' AND conversation_id IN (\(binds: Array(Set(keys.map(\.conversationId)))))"
        ).all()
        for row in rows {
            let run = try Store.run(row)
            let key = ActionConversation(actionId: run.actionId, conversationId: run.conversationId ?? "")
            if wanted.contains(key) { result[key] = run }
        }
        return result
    }
}
