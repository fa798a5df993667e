import Foundation

/// What becomes of a run after an attempt (ARCHITECTURE §4), for every trigger alike: finished, or
/// `pending` until its next attempt.
///
/// - A run that waited (for its customer's turn, an earlier follow-up, the run it follows, its lease) is due
///   again at `until`, or shortly; the wait is not counted as a try.
/// - A run that failed for a transient cause (`RunFailure.isTransient`) is tried again with backoff while
///   its retry window lasts; the window counts from its first failed try since it could run, so time spent
///   waiting for an account or a customer does not use it up. A window of 0 leaves such runs failed.
/// - Anything else is final.
public struct RetrySchedule: Sendable, Hashable {
    /// How long a run that failed for a transient cause keeps being tried again.
    public var window: TimeInterval
    /// The wait between tries.
    public var backoff: Backoff
    /// When a run that waited is due again, when nothing more precise is known.
    public static let shortWait: TimeInterval = 0.2

    public init(window: TimeInterval, backoff: Backoff) {
        self.window = window
        self.backoff = backoff
    }

    /// A run that waited instead of being tried: due again at `until` (or shortly), the try not counted.
    public func waited(_ run: RunRecord, until: Date?, now: Date) -> RunRecord {
        var run = run
        run.attempts -= 1
        return Self.due(run, at: until ?? now.addingTimeInterval(Self.shortWait))
    }

    /// A run that was tried: final, or due again after a transient failure within its window.
    public func tried(_ run: RunRecord, now: Date) -> RunRecord {
        var run = run
        run.nextAttemptAt = nil
        guard run.status == .failed, let failure = run.result?.error, failure.isTransient else { return run }
        let windowFrom = run.retryWindowFrom ?? now
        run.retryWindowFrom = windowFrom
        guard now.timeIntervalSince(windowFrom) < window else { return run }
        return Self.due(run, at: now.addingTimeInterval(backoff.delay(after: max(run.attempts, 1)).seconds))
    }

    /// `run`, pending until `date`.
    public static func due(_ run: RunRecord, at date: Date) -> RunRecord {
        var run = run
        run.status = .pending
        run.nextAttemptAt = date
        run.finishedAt = nil
        return run
    }
}
