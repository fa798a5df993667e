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
        guard let header, let (used, limit) = Self.usage(in: header) else { return }
        state.withLock { $0 = State(used: used, limit: limit, observedAt: Date()) }
    }

    /// N and M of the `api-usage=N/M` entry of a `Sforce-Limit-Info` header (not `per-app-api-usage`), read as bytes.
    static func usage(in header: String) -> (used: Int, limit: Int)? {
        let key = "api-usage=".utf8
        for entry in header.utf8.split(whereSeparator: { $0 == UInt8(ascii: ";") || $0 == UInt8(ascii: ",") }) {
            let entry = entry.drop { $0 == UInt8(ascii: " ") }
            guard entry.starts(with: key) else { continue }
            let parts = entry.dropFirst(key.count).split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: false)
            guard parts.count == 2, let used = number(parts[0]), let limit = number(parts[1]) else { return nil }
            return (used, limit)
        }
        return nil
    }

    /// A whole number written in decimal digits only.
    private static func number(_ digits: Substring.UTF8View.SubSequence) -> Int? {
        guard !digits.isEmpty, digits.count <= 18 else { return nil }
        var value = 0
        for digit in digits {
            guard (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(digit) else { return nil }
            value = value * 10 + Int(digit - UInt8(ascii: "0"))
        }
        return value
    }

    /// `N/M` when the last answer said the limit is spent, within the last minute.
    var exhausted: String? {
        state.withLock { state in
            guard state.used >= state.limit, Date().timeIntervalSince(state.observedAt) < 60 else { return nil }
            return "\(state.used)/\(state.limit)"
        }
    }
}
