import Logging

/// The ids of the runs the current task works on, added to every log line written meanwhile — the CRM
/// calls' included — through a metadata provider on the process's loggers.
public enum RunLogMetadata {
    @TaskLocal public static var current: Logger.Metadata = [:]

    /// Give this to `Logger(label:metadataProvider:)`.
    public static let provider = Logger.MetadataProvider { current }

    /// `run_id`, `action_id` and `conversation_id` of the runs in one pipeline pass (comma-separated for a batch).
    static func of(_ runs: [RunRecordIdentity]) -> Logger.Metadata {
        func joined(_ values: [String]) -> Logger.MetadataValue { .string(Array(Set(values)).sorted().joined(separator: ",")) }
        return [
            "run_id": joined(runs.map(\.runId)), "action_id": joined(runs.map(\.actionId)), "conversation_id": joined(runs.map { $0.conversationId ?? "-" }),
        ]
    }
}

struct RunRecordIdentity {
    let runId: String
    let actionId: String
    let conversationId: String?
}
