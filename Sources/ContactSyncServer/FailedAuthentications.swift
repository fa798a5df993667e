import ContactSyncCore
import Foundation
import Logging
import NIOCore

/// Slows guessing: each client address may fail to authenticate a few times freely; after that every further
/// failure is answered only after a delay that doubles with each one (up to `maxDelay`), until the address has
/// not failed for `window`. Successful requests are never delayed. Failures are logged at warning, with the
/// address and never the key.
actor FailedAuthentications {
    /// Failures answered at once.
    let free: Int
    /// The first delay, and the longest.
    let firstDelay: Duration
    let maxDelay: Duration
    /// How long an address's failures are remembered after its last one.
    let window: TimeInterval
    /// At most this many addresses are remembered (the oldest are forgotten first).
    let capacity: Int
    private let logger: Logger
    private let now: @Sendable () -> Date
    private var failures: [String: (count: Int, last: Date)] = [:]

    init(
        logger: Logger, free: Int = 5, firstDelay: Duration = .milliseconds(250), maxDelay: Duration = .seconds(5), window: TimeInterval = 600,
        capacity: Int = 10_000, now: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.logger = logger
        self.free = free
        self.firstDelay = firstDelay
        self.maxDelay = maxDelay
        self.window = window
        self.capacity = capacity
        self.now = now
    }

    /// Records a failure from `address` on `path` and waits as long as the address has earned.
    func failed(address: SocketAddress?, path: String) async {
        let client = Self.client(address)
        let time = now()
        var entry: (count: Int, last: Date) = failures[client].flatMap { time.timeIntervalSince($0.last) < window ? $0 : nil } ?? (0, time)
        entry.count += 1
        entry.last = time
        failures[client] = entry
        if failures.count > capacity { forgetOldest(before: time) }
        logger.warning("authentication failed", metadata: ["client": "\(client)", "path": "\(LogText.escaped(path))", "failures": "\(entry.count)"])
        let delay = delay(afterFailures: entry.count)
        if delay > .zero { try? await Task.sleep(for: delay) }
    }

    /// The delay before answering the `count`-th failure in a row.
    func delay(afterFailures count: Int) -> Duration {
        guard count > free else { return .zero }
        let doublings = min(count - free - 1, 30)
        return min(firstDelay * (1 << doublings), maxDelay)
    }

    private func forgetOldest(before time: Date) {
        failures = failures.filter { time.timeIntervalSince($0.value.last) < window }
        while failures.count > capacity, let oldest = failures.min(by: { $0.value.last < $1.value.last }) { failures[oldest.key] = nil }
    }

    /// The address without its port (a client opens many connections from one address).
    static func client(_ address: SocketAddress?) -> String {
        address?.ipAddress ?? "unknown"
    }
}
