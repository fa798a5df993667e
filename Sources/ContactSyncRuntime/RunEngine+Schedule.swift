import ContactSyncCore
import ContactSyncStore
import Foundation

/// What becomes of a run the pipeline gave back, whatever started it (`RetrySchedule`, ARCHITECTURE §4), and
/// the one place runs are saved.
extension RunEngine {
    /// The retry policy of this engine's settings.
    var retrySchedule: RetrySchedule { RetrySchedule(window: settings.retryWindow, backoff: settings.retryBackoff) }

    /// The run as it is to be saved: finished, or `pending` until its next attempt (`RetrySchedule`).
    func schedule(_ outcome: PipelineOutcome) -> RunRecord {
        switch outcome {
        case .deferred(let run, let until): retrySchedule.waited(run, until: until, now: now())
        case .finished(let run): retrySchedule.tried(run, now: now())
        }
    }

    /// Saves runs `owner` carried out (each only while still leased to it), completing even when the
    /// caller is cancelled, and wakes the requests waiting on them. Returns the ids saved.
    @discardableResult
    func save(_ runs: [RunRecord], owner: String) async throws -> Set<String> {
        let saved = try await repositories.store.finishing { [repositories] in try await repositories.runs.finishRuns(runs, owner: owner) }
        completions.saved(saved)
        return saved
    }
}
