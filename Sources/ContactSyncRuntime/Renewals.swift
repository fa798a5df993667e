import ContactSyncStore
import Foundation
import Synchronization

/// Renews what workers hold while they work: the leases of their runs (a fence moves on only while every one
/// of them is still held) and the customer locks they have. Holdings that renew at the same rhythm share one
/// task, which lives only while there are such holdings, so a run that holds something for a few milliseconds
/// costs neither a task nor a timer of its own.
///
/// A holding is renewed at most one period after it started or was last renewed (the period is a third of the
/// shorter of its lease and its lock's lifetime), as a task per holding sleeping one period would renew it.
final class Renewals: Sendable {
    /// What one worker holds, and how to renew it.
    private struct Holding: Sendable {
        let runs: @Sendable () -> [String]
        let owner: String
        let lock: CustomerLock
        let lease: TimeInterval
        let lockLifetime: TimeInterval
        let fence: LeaseFence
        let period: Duration
        var renewedAt: ContinuousClock.Instant
    }

    private struct State {
        var holdings: [Int: Holding] = [:]
        var nextId = 0
        /// The periods whose task is running.
        var ticking: Set<Duration> = []
    }

    /// Ends a holding's renewals when cancelled.
    struct Renewal: Sendable {
        fileprivate let id: Int
        fileprivate let renewals: Renewals

        /// Stops renewing; a renewal under way still completes.
        func cancel() { renewals.state.withLock { _ = $0.holdings.removeValue(forKey: id) } }
    }

    private let state = Mutex(State())
    /// The periods whose task is running now.
    var ticking: Set<Duration> { state.withLock { $0.ticking } }
    private let repositories: Repositories
    private let now: @Sendable () -> Date

    init(repositories: Repositories, now: @escaping @Sendable () -> Date) {
        self.repositories = repositories
        self.now = now
    }

    /// Renews `runs()`' leases by `lease` and `lock`'s customers by `lockLifetime` until the renewal is cancelled.
    func renewing(
        runs: @escaping @Sendable () -> [String], owner: String, lock: CustomerLock, lease: TimeInterval, lockLifetime: TimeInterval, fence: LeaseFence
    ) -> Renewal {
        let period = Duration.milliseconds(Int(min(lease, lockLifetime) * 1000 / 3))
        let holding = Holding(
            runs: runs, owner: owner, lock: lock, lease: lease, lockLifetime: lockLifetime, fence: fence, period: period, renewedAt: .now)
        let (id, start) = state.withLock { state -> (Int, Bool) in
            state.nextId += 1
            state.holdings[state.nextId] = holding
            return (state.nextId, state.ticking.insert(period).inserted)
        }
        if start { Task.detached { await self.tick(every: period) } }
        return Renewal(id: id, renewals: self)
    }

    /// Every half period (at least a millisecond), renews the holdings of `period` not renewed for half a period
    /// or more, so that none waits more than a period; ends once there are none left.
    private func tick(every period: Duration) async {
        let step = max(period / 2, .milliseconds(1))
        while true {
            try? await Task.sleep(for: step)
            let time = ContinuousClock.now
            let due = state.withLock { state -> [Holding]? in
                let ids = state.holdings.filter { $0.value.period == period }.map(\.key)
                if ids.isEmpty {
                    state.ticking.remove(period)
                    return nil
                }
                return ids.compactMap { id -> Holding? in
                    guard let holding = state.holdings[id], time - holding.renewedAt >= step else { return nil }
                    state.holdings[id]?.renewedAt = time
                    return holding
                }
            }
            guard let due else { return }
            await withTaskGroup(of: Void.self) { group in
                for holding in due { group.addTask { await self.renew(holding) } }
            }
        }
    }

    private func renew(_ holding: Holding) async {
        let until = now().addingTimeInterval(holding.lease)
        let leased = holding.runs()
        if let held = try? await repositories.runs.extendLeases(ids: leased, owner: holding.owner, until: until), held == leased.count {
            holding.fence.extend(to: until)
        }
        for (accountId, emails) in holding.lock.held.customers {
            try? await repositories.customerLocks.extendCustomerLocks(
                accountId: accountId, emails: emails, owner: holding.lock.owner, until: now().addingTimeInterval(holding.lockLifetime))
        }
    }
}
