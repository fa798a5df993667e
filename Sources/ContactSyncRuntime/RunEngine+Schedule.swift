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

    /// Closes a pass (``RunJournal/close(_:)``): records the contacts it created, gives its customers' locks
    /// back and saves the runs `owner` carried out (each stored one only while still leased to it; those in
    /// `stored`, the others are stored now), in one statement on PostgreSQL, completing even when the caller is
    /// cancelled. Then gives the customers' turns back and wakes the requests waiting on the runs. Returns the
    /// ids saved.
    @discardableResult
    func save(_ runs: [RunRecord], pass: PipelinePass?, owner: String, stored: Set<String>? = nil) async throws -> Set<String> {
        defer { if let pass { pipeline.giveTurns(pass) } }
        var closing = RunJournal.Closing(owner: owner, now: now())
        closing.runs = runs.filter { stored?.contains($0.id) ?? true }
        closing.unstored = runs.filter { !(stored?.contains($0.id) ?? true) }
        if let pass {
            closing.accountId = pass.accountId
            closing.provenance = pass.provenance
            closing.releasing = pass.locked
            closing.chosen = pass.chosen
            closing.lockOwner = pass.lock.owner
            closing.withdrawn = pass.withdrawn
        }
        let saved = try await repositories.journal.close(closing)
        completions.saved(saved)
        return saved
    }
}
