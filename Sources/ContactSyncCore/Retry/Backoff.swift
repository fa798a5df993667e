/// Jittered exponential backoff: the one strategy for waiting before trying again, for CRM calls and for
/// offline runs alike.
public struct Backoff: Sendable, Hashable {
    /// The ceiling of the first wait.
    public var base: Duration
    /// The longest wait.
    public var max: Duration

    public init(base: Duration, max: Duration) {
        self.base = base
        self.max = max
    }

    /// The wait after failed attempt number `attempt` (from 1): `base × 2^(attempt − 1)`, capped at `max`,
    /// scaled by a random fraction from ½ to 1 so that many waiters do not retry in step.
    public func delay(after attempt: Int) -> Duration {
        let ceiling = Swift.min(max, base * (1 << Swift.min(Swift.max(attempt - 1, 0), 30)))
        return ceiling * Double.random(in: 0.5...1.0)
    }
}

/// How failed CRM calls are tried again: up to `maxAttempts` tries, waiting what the CRM asked for (up to
/// the backoff's longest wait) or else the backoff's delay.
public struct RetryPolicy: Sendable, Hashable {
    /// Tries in all, the first included.
    public var maxAttempts: Int
    public var backoff: Backoff

    public init(maxAttempts: Int = 8, backoff: Backoff = Backoff(base: .milliseconds(100), max: .seconds(20))) {
        self.maxAttempts = maxAttempts
        self.backoff = backoff
    }

    /// The wait after failed attempt `attempt` (from 1), given what the CRM asked for, if anything.
    public func delay(after attempt: Int, asked: Duration?) -> Duration {
        if let asked { return Swift.min(asked, backoff.max) }
        return backoff.delay(after: attempt)
    }
}

extension Duration {
    /// In seconds, as a time interval.
    public var seconds: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) + Double(attoseconds) / 1e18
    }
}
