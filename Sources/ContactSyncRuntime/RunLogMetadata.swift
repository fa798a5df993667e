import ContactSyncCore
import Logging

/// The ids of the runs the current task works on, added to every log line written meanwhile — the CRM
/// calls' included — through a metadata provider on the process's loggers.
public enum RunLogMetadata {
    @TaskLocal public static var current: Logger.Metadata = [:]

    /// The process's log handlers read the current ids through this.
    public static let provider = Logger.MetadataProvider { current }

    /// `run_id`, `action_id` and `conversation_id` of the runs in one pipeline pass (comma-separated for a batch).
    static func of(_ runs: [RunRecord]) -> Logger.Metadata {
        func joined(_ values: [String]) -> Logger.MetadataValue { .string(Array(Set(values)).sorted().joined(separator: ",")) }
        return [
            "run_id": joined(runs.map(\.id)), "action_id": joined(runs.map(\.actionId)), "conversation_id": joined(runs.map { $0.conversationId ?? "-" }),
        ]
    }
}

