import ServiceLifecycle
import Synchronization

/// Wakes one sleeping loop early, without polling: the wait is a continuation that the signal, its
/// timeout, cancellation or a graceful shutdown resumes, whichever comes first.
final class WakeSignal: Sendable {
    private struct State {
        /// Fired while nobody waited: the next wait returns at once.
        var fired = false
        /// The wait under way, by number; a wait whose number has moved on is over.
        var current = 0
        var waiter: CheckedContinuation<Void, Never>?
    }

    private let state = Mutex(State())

    func fire() {
        let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
            guard let waiter = state.waiter else {
                state.fired = true
                return nil
            }
            state.waiter = nil
            state.current += 1
            return waiter
        }
        waiter?.resume()
    }

    /// Returns after `duration`, or as soon as the signal fires (at once if it fired since the last wait),
    /// or when the task is cancelled or the service group shuts down.
    func wait(upTo duration: Duration) async {
        let number = state.withLock { state -> Int? in
            if state.fired {
                state.fired = false
                return nil
            }
            state.current += 1
            return state.current
        }
        guard let number else { return }
        let timeout = Task { [weak self] in
            try? await Task.sleep(for: duration)
            self?.end(number)
        }
        defer { timeout.cancel() }
        await withGracefulShutdownHandler {
            await withTaskCancellationHandler {
                await withCheckedContinuation { continuation in
                    let over = state.withLock { state -> Bool in
                        if state.current != number { return true }
                        if state.fired {
                            state.fired = false
                            state.current += 1
                            return true
                        }
                        state.waiter = continuation
                        return false
                    }
                    if over { continuation.resume() }
                }
            } onCancel: {
                self.end(number)
            }
        } onGracefulShutdown: {
            self.end(number)
        }
    }

    /// Ends wait `number` if it is still under way.
    private func end(_ number: Int) {
        let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
            guard state.current == number else { return nil }
            state.current += 1
            defer { state.waiter = nil }
            return state.waiter
        }
        waiter?.resume()
    }
}
