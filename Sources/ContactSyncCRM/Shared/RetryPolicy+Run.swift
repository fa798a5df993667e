import ContactSyncCore

extension RetryPolicy {
    /// Runs `operation` until it succeeds, fails permanently, runs out of attempts, or the task is cancelled.
    /// A wait a rate limit asked for is reported to `observer`.
    func run<T: Sendable>(observer: CRMObserver = CRMObserver(), _ operation: (_ attempt: Int) async throws(CRMError) -> T) async throws(CRMError) -> T {
        var attempt = 1
        while true {
            do throws(CRMError) {
                return try await operation(attempt)
            } catch {
                guard error.isRetryable, attempt < maxAttempts, !Task.isCancelled else { throw error }
                let wait = delay(after: attempt, asked: error.retryAfter)
                if error.code == .rateLimited { observer.rateLimitWait(wait) }
                try? await Task.sleep(for: wait)
                if Task.isCancelled { throw CRMError(.timeout, "cancelled while waiting to retry") }
                attempt += 1
            }
        }
    }
}
