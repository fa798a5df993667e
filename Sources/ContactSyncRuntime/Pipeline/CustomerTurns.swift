import Synchronization

/// One writer per customer within this process: runs of one account and email take turns, first come
/// first served, without polling. The database lock behind it then only has other instances to contend with.
final class CustomerTurns: Sendable {
    struct Key: Hashable, Sendable {
        let accountId: String
        let email: String
    }

    private struct Waiter {
        let id: Int
        let continuation: CheckedContinuation<Bool, Never>
    }

    private struct State {
        var busy: Set<Key> = []
        var waiting: [Key: [Waiter]] = [:]
        var nextId = 0
    }

    private let state = Mutex(State())
    /// Called between finding the key taken and queueing for it (tests hand the key over there).
    private let beforeQueueing: @Sendable () -> Void

    init(beforeQueueing: @escaping @Sendable () -> Void = {}) {
        self.beforeQueueing = beforeQueueing
    }

    /// Takes the keys that are free now; returns them.
    func take(free keys: [Key]) -> Set<Key> {
        state.withLock { state in
            Set(keys.filter { state.busy.insert($0).inserted })
        }
    }

    /// How many wait for the key's turn.
    func waiting(for key: Key) -> Int { state.withLock { $0.waiting[key]?.count ?? 0 } }

    /// Waits for the key's turn and takes it; returns whether it did. A cancelled wait gives up its place
    /// (a key handed over just before is kept, and reported as taken).
    func take(waitingFor key: Key) async -> Bool {
        let id = state.withLock { state -> Int? in
            if state.busy.insert(key).inserted { return nil }
            state.nextId += 1
            return state.nextId
        }
        guard let id else { return true }
        beforeQueueing()
        return await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                // Queueing checks again under the same lock that gives keys back: a key given back since it
                // was found taken is taken now, so no wake-up is lost.
                let answer = state.withLock { state -> Bool? in
                    if Task.isCancelled { return false }
                    if state.busy.insert(key).inserted { return true }
                    state.waiting[key, default: []].append(Waiter(id: id, continuation: continuation))
                    return nil
                }
                if let answer { continuation.resume(returning: answer) }
            }
        } onCancel: {
            let waiter = state.withLock { state -> Waiter? in
                guard let index = state.waiting[key]?.firstIndex(where: { $0.id == id }) else { return nil }
                return state.waiting[key]?.remove(at: index)
            }
            waiter?.continuation.resume(returning: false)
        }
    }

    /// Waits for the key's turn until `deadline` and takes it; returns whether it did. A free key is taken at
    /// once, with no waiting task and no timer.
    func take(waitingFor key: Key, until deadline: ContinuousClock.Instant) async -> Bool {
        if !take(free: [key]).isEmpty { return true }
        return await withTaskGroup(of: Bool?.self) { group in
            group.addTask { await self.take(waitingFor: key) }
            group.addTask {
                try? await Task.sleep(until: deadline)
                return nil
            }
            let first = await group.next() ?? nil
            group.cancelAll()
            if let took = first { return took }
            // Out of time: the wait gives up its place, unless the key was handed over just before.
            return await group.next().flatMap { $0 } ?? false
        }
    }

    /// Gives the keys back: each passes to its next waiter, or becomes free.
    func give(_ keys: [Key]) {
        let next = state.withLock { state -> [Waiter] in
            keys.compactMap { key in
                if var queue = state.waiting[key], !queue.isEmpty {
                    let waiter = queue.removeFirst()
                    state.waiting[key] = queue.isEmpty ? nil : queue
                    return waiter
                }
                state.busy.remove(key)
                return nil
            }
        }
        for waiter in next { waiter.continuation.resume(returning: true) }
    }
}
