import Foundation
import Synchronization

/// The org's daily API usage as `Sforce-Limit-Info` reports it. Once spent, calls fail fast for a minute
/// before the CRM is asked again.
final class APIUsage: Sendable {
    private struct State {
        var used = 0
        var limit = Int.max
        var observedAt = Date.distantPast
    }

    private let state = Mutex(State())

    /// Reads `api-usage=N/M`.
    func observe(_ header: String?) {
        guard let header, let range = header.range(of: "api-usage=") else { return }
        let parts = header[range.upperBound...].prefix { $0 != ";" && $0 != "," }.split(separator: "/")
        guard parts.count == 2, let used = Int(parts[0]), let limit = Int(parts[1]) else { return }
        state.withLock { $0 = State(used: used, limit: limit, observedAt: Date()) }
    }

    /// `N/M` when the last answer said the limit is spent, within the last minute.
    var exhausted: String? {
        state.withLock { state in
            guard state.used >= state.limit, Date().timeIntervalSince(state.observedAt) < 60 else { return nil }
            return "\(state.used)/\(state.limit)"
        }
    }
}
