import ContactSyncCore
import Synchronization

/// Writes that record what a stopping run has done: they run to the end even when their caller is
/// cancelled, and the store stays open until they have (``Store/close()`` waits for them), so no run that
/// wrote to a CRM is left `running` or loses its record id when the shutdown grace runs out.
final class FinishingWrites: Sendable {
    private struct State {
        var inFlight = 0
        var waiters: [CheckedContinuation<Void, Never>] = []
    }

    private let state = Mutex(State())

    /// Runs `body` in a task of its own, counted until it ends.
    func run<T: Sendable>(_ body: @escaping @Sendable () async throws -> T) async throws -> T {
        state.withLock { $0.inFlight += 1 }
        return try await Task {
            defer { finished() }
            return try await body()
        }.value
    }

    /// Runs `body` in the calling task (cancellable as it is), counted until it ends.
    func hold<T>(_ body: () async throws -> T) async rethrows -> T {
        state.withLock { $0.inFlight += 1 }
        defer { finished() }
        return try await body()
    }

    /// Returns once no write is in flight.
    func drained() async {
        await withCheckedContinuation { continuation in
            let idle = state.withLock { state -> Bool in
                if state.inFlight == 0 { return true }
                state.waiters.append(continuation)
                return false
            }
            if idle { continuation.resume() }
        }
    }

    private func finished() {
        let waiters = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            state.inFlight -= 1
            guard state.inFlight == 0 else { return [] }
            defer { state.waiters = [] }
            return state.waiters
        }
        for waiter in waiters { waiter.resume() }
    }
}
