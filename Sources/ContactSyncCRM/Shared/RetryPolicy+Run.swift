import ContactSyncCore

extension RetryPolicy {
    /// Runs `operation` until it succeeds, fails permanently, runs out of attempts, or the task is cancelled.
    func run<T: Sendable>(_ operation: (_ attempt: Int) async throws(CRMError) -> T) async throws(CRMError) -> T {
        var attempt = 1
        while true {
            do throws(CRMError) {
                return try await operation(attempt)
            } catch {
                guard error.isRetryable, attempt < maxAttempts, !Task.isCancelled else { throw error }
                try? await Task.sleep(for: delay(after: attempt, asked: error.retryAfter))
                if Task.isCancelled { throw CRMError(.timeout, "cancelled while waiting to retry") }
                attempt += 1
            }
        }
    }
}
