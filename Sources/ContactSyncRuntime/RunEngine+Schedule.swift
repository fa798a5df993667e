import ContactSyncCore
import ContactSyncStore
import Foundation

/// The one policy for what becomes of a run the pipeline gave back, whatever started it (ARCHITECTURE §4), and
/// the one place runs are saved.
extension RunEngine {
    /// The run as it is to be saved: finished, or `pending` until its next attempt. A run that waited for
    /// its customer, an earlier run or its lease is due again shortly, and that wait is not counted as a
    /// try. A run that failed for a transient cause is tried again in the background with backoff while
    /// its retry window lasts, counted from its first failed try since it could run.
    func schedule(_ outcome: PipelineOutcome) -> RunRecord {
        let time = now()
        switch outcome {
        case .deferred(var run, let until):
            run.attempts -= 1
            return Self.due(run, at: until ?? time.addingTimeInterval(0.2))
        case .finished(var run):
            run.nextAttemptAt = nil
            guard run.status == .failed, let failure = run.result?.error, failure.isTransient else { return run }
            let windowFrom = run.retryWindowFrom ?? time
            run.retryWindowFrom = windowFrom
            guard time.timeIntervalSince(windowFrom) < settings.retryWindow else { return run }
            return Self.due(run, at: time.addingTimeInterval(settings.retryBackoff.delay(after: max(run.attempts, 1)).seconds))
        }
    }

    /// `run`, pending until `date`.
    static func due(_ run: RunRecord, at date: Date) -> RunRecord {
        var run = run
        run.status = .pending
        run.nextAttemptAt = date
        run.finishedAt = nil
        return run
    }

    /// Saves runs `owner` carried out (each only while still leased to it), completing even when the
    /// caller is cancelled, and wakes the requests waiting on them. Returns the ids saved.
    @discardableResult
    func save(_ runs: [RunRecord], owner: String) async throws -> Set<String> {
        let saved = try await store.finishing { [store] in try await store.finishRuns(runs, owner: owner) }
        completions.saved(saved)
        return saved
    }
}
