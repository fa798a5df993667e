import ContactSyncCore
import Foundation
import Synchronization

/// Customer write locks held in memory, for a database only one process uses (SQLite): the same rules as
/// the `customer_locks` table, no statement needed.
final class LocalCustomerLocks: CustomerLocks {
    private struct Key: Hashable {
        let accountId: String
        let email: String
    }

    private let held = Mutex<[Key: (owner: String, until: Date)]>([:])

    func acquireCustomerLocks(accountId: String, emails: [String], owner: String, until: Date, now: Date) -> Set<String> {
        held.withLock { locks in
            var taken: Set<String> = []
            for email in Set(emails) {
                let key = Key(accountId: accountId, email: email)
                if let current = locks[key], current.owner != owner, current.until >= now { continue }
                locks[key] = (owner, until)
                taken.insert(email)
            }
            return taken
        }
    }

    func extendCustomerLocks(accountId: String, emails: [String], owner: String, until: Date) {
        held.withLock { locks in
            for email in emails {
                let key = Key(accountId: accountId, email: email)
                if locks[key]?.owner == owner { locks[key] = (owner, until) }
            }
        }
    }

    func releaseCustomerLocks(accountId: String, emails: [String], owner: String) {
        held.withLock { locks in
            for email in emails {
                let key = Key(accountId: accountId, email: email)
                if locks[key]?.owner == owner { locks[key] = nil }
            }
        }
    }

    func customerLockHolder(accountId: String, email: String, now: Date) -> String? {
        held.withLock { locks in
            guard let lock = locks[Key(accountId: accountId, email: email)], lock.until >= now else { return nil }
            return lock.owner
        }
    }
}
