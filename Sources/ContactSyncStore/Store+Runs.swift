import ContactSyncCore
import Foundation
import SQLKit

extension Store {
    static func run(_ row: any SQLRow) throws -> RunRecord {
        RunRecord(
            id: try row.decode(column: "id", as: String.self), actionId: try row.decode(column: "action_id", as: String.self),
            conversationId: try row.decode(column: "conversation_id", as: String?.self),
            trigger: RunTrigger(rawValue: try row.decode(column: "trigger_kind", as: String.self)) ?? .inConversation,
            status: RunStatus(rawValue: try row.decode(column: "status", as: String.self)) ?? .pending,
            dryRun: try row.decode(column: "dry_run", as: Bool.self),
            input: try decode(RunInput.self, try row.decode(column: "input", as: String.self)),
            idempotencyKey: try row.decode(column: "idempotency_key", as: String?.self),
            requestHash: try row.decode(column: "request_hash", as: String?.self),
            result: try row.decode(column: "result", as: String?.self).map { try decode(RunResult.self, $0) },
            attempts: try row.decode(column: "attempts", as: Int.self),
            createdAt: Store.date(try row.decode(column: "created_at", as: Double.self)),
            startedAt: try row.decode(column: "started_at", as: Double?.self).map(Store.date),
            finishedAt: try row.decode(column: "finished_at", as: Double?.self).map(Store.date),
            accountId: try row.decode(column: "account_id", as: String?.self),
            nextAttemptAt: try row.decode(column: "next_attempt_at", as: Double?.self).map(Store.date),
            retryWindowFrom: try row.decode(column: "retry_window_from", as: Double?.self).map(Store.date),
            createSentAt: try row.decode(column: "create_sent_at", as: Double?.self).map(Store.date))
    }

    // MARK: Provenance

}
