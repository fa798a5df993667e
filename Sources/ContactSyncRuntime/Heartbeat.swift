import ContactSyncStore
import Foundation

/// Renews what a worker holds while it works, until cancelled: the leases of its runs (the fence moves on
/// only while every one of them is still held) and the customer locks it has. The sleep is the renewal's rhythm,
/// not a wait for a condition.
enum Heartbeat {
    static func renewing(
        runs ids: @escaping @Sendable () -> [String], owner: String, lock: CustomerLock, lease: TimeInterval, lockLifetime: TimeInterval, fence: LeaseFence, repositories: Repositories,
        now: @escaping @Sendable () -> Date
    ) -> Task<Void, Never> {
        let period = Duration.milliseconds(Int(min(lease, lockLifetime) * 1000 / 3))
        return Task {
            while !Task.isCancelled {
                try? await Task.sleep(for: period)
                if Task.isCancelled { break }
                let until = now().addingTimeInterval(lease)
                let leased = ids()
                if let held = try? await repositories.runs.extendLeases(ids: leased, owner: owner, until: until), held == leased.count { fence.extend(to: until) }
                for (accountId, emails) in lock.held.customers {
                    try? await repositories.customerLocks.extendCustomerLocks(
                        accountId: accountId, emails: emails, owner: lock.owner, until: now().addingTimeInterval(lockLifetime))
                }
            }
        }
    }
}
