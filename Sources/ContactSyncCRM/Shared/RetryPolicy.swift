/// When and how long to wait before trying a failed CRM call again: jittered exponential backoff,
/// or what the CRM asked for.
public struct RetryPolicy: Sendable {
    /// Tries in all, the first included.
    public var maxAttempts: Int
    public var baseDelay: Duration
    public var maxDelay: Duration

    public init(maxAttempts: Int = 8, baseDelay: Duration = .milliseconds(100), maxDelay: Duration = .seconds(20)) {
        self.maxAttempts = maxAttempts
        self.baseDelay = baseDelay
        self.maxDelay = maxDelay
    }

    /// The wait before attempt `attempt + 1` after `error` (attempts count from 1).
    func delay(after attempt: Int, error: CRMError) -> Duration {
        if let asked = error.retryAfter { return min(asked, maxDelay) }
        let ceiling = min(maxDelay, baseDelay * (1 << min(attempt - 1, 16)))
        let fraction = Double.random(in: 0.5...1.0)
        return ceiling * fraction
    }

    /// Runs `operation` until it succeeds, fails permanently, or runs out of attempts.
    func run<T: Sendable>(_ operation: (_ attempt: Int) async throws(CRMError) -> T) async throws(CRMError) -> T {
        var attempt = 1
        while true {
            do throws(CRMError) {
                return try await operation(attempt)
            } catch {
                guard error.isRetryable, attempt < maxAttempts else { throw error }
                try? await Task.sleep(for: delay(after: attempt, error: error))
                if Task.isCancelled { throw CRMError(.timeout, "cancelled while waiting to retry") }
                attempt += 1
            }
        }
    }
}
