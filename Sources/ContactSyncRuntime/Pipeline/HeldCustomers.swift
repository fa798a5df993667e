import Synchronization

/// The customers, by account, whose write locks a holder has at the moment: added as a pass opens, taken
/// away as its locks are given back.
final class HeldCustomers: Sendable {
    private let emails = Mutex<[String: Set<String>]>([:])

    /// The customers held, by account (an account whose customers were all given back is not kept).
    var customers: [(accountId: String, emails: [String])] {
        emails.withLock { held in held.map { ($0.key, Array($0.value)) } }
    }

    /// Adds customers whose locks were taken.
    func hold(accountId: String, emails taken: Set<String>) {
        guard !taken.isEmpty else { return }
        emails.withLock { $0[accountId, default: []].formUnion(taken) }
    }

    /// Takes away customers whose locks were given back.
    func give(accountId: String, emails given: [String]) {
        emails.withLock { held in
            held[accountId]?.subtract(given)
            if held[accountId]?.isEmpty == true { held[accountId] = nil }
        }
    }
}
