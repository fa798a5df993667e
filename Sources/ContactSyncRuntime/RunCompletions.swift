import Synchronization

/// Wake-ups for requests waiting on a run this process is carrying out: saving a run wakes every wait on
/// it at once, without polling. A run carried out by another instance wakes nobody here; its waiters look
/// again when their wait runs out.
final class RunCompletions: Sendable {
    private let waiting = Mutex<[String: [WakeSignal]]>([:])

    /// Returns when run `id` is saved by this process, or after `duration`, whichever comes first.
    func wait(for id: String, upTo duration: Duration) async {
        let signal = WakeSignal()
        waiting.withLock { $0[id, default: []].append(signal) }
        defer {
            waiting.withLock { waiting in
                waiting[id]?.removeAll { $0 === signal }
                if waiting[id]?.isEmpty == true { waiting[id] = nil }
            }
        }
        await signal.wait(upTo: duration)
    }

    /// Wakes the waits on these runs.
    func saved(_ ids: some Sequence<String>) {
        let signals = waiting.withLock { waiting in ids.flatMap { waiting.removeValue(forKey: $0) ?? [] } }
        for signal in signals { signal.fire() }
    }
}
