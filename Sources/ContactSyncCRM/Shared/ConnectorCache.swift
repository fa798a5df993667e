import ContactSyncCore
import Foundation
import Synchronization

/// What a connector remembers between calls: the account's identity and its field metadata.
final class ConnectorCache: Sendable {
    private struct State {
        var identity: AccountIdentity?
        var fields: [CRMField]?
        var fetchedAt: Date?
        var instanceURL: String?
    }

    private let state = Mutex(State())

    var identity: AccountIdentity? { state.withLock { $0.identity } }
    var portalIdSnapshot: String? { state.withLock { $0.identity?.accountId } }

    var instanceURLSnapshot: String? { state.withLock { $0.instanceURL } }

    func setInstanceURL(_ url: String) {
        state.withLock { $0.instanceURL = url }
    }

    func setIdentity(_ identity: AccountIdentity) {
        state.withLock { $0.identity = identity }
    }

    func fields(fresherThan ttl: TimeInterval, now: Date) -> [CRMField]? {
        state.withLock { state in
            guard let fields = state.fields, let fetchedAt = state.fetchedAt, now.timeIntervalSince(fetchedAt) < ttl else { return nil }
            return fields
        }
    }

    func setFields(_ fields: [CRMField], at date: Date) {
        state.withLock {
            $0.fields = fields
            $0.fetchedAt = date
        }
    }
}
