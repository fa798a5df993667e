import Synchronization

/// Records every CRM call a run makes, so the run can report how many it made, how many of them had to
/// happen one after another, and how long it waited on the CRM.
public final class CRMCallLog: Sendable {
    /// One call: when it started and ended, on the monotonic clock.
    public struct Call: Sendable, Hashable {
        public let route: String
        public let start: ContinuousClock.Instant
        public let end: ContinuousClock.Instant
    }

    private let calls = Mutex<[Call]>([])
    /// Asked before every write the calls make (retries included): false stops it unsent, with `lease_lost`.
    public let mayWrite: @Sendable () -> Bool

    public init(mayWrite: @escaping @Sendable () -> Bool = { true }) {
        self.mayWrite = mayWrite
    }

    func record(route: String, start: ContinuousClock.Instant, end: ContinuousClock.Instant) {
        calls.withLock { $0.append(Call(route: route, start: start, end: end)) }
    }

    /// Every call so far.
    public var entries: [Call] { calls.withLock { $0 } }

    /// How many calls were made (retries included).
    public var count: Int { calls.withLock { $0.count } }

    /// Sequential round trips: calls that overlap in time count once together.
    public var sequentialRoundTrips: Int { totals.roundTrips }

    /// Time during which at least one call was in flight.
    public var waitingTime: Duration { totals.waiting }

    /// The calls so far, their sequential round trips and waiting time, read once.
    public var totals: Totals {
        let waves = waves
        return Totals(calls: count, roundTrips: waves.count, waiting: waves.reduce(.zero) { $0 + ($1.end - $1.start) })
    }

    /// What a batch's calls came to, as each of its runs records it.
    public struct Totals: Sendable {
        public let calls: Int
        public let roundTrips: Int
        public let waiting: Duration
    }

    private var waves: [(start: ContinuousClock.Instant, end: ContinuousClock.Instant)] {
        var result: [(start: ContinuousClock.Instant, end: ContinuousClock.Instant)] = []
        for call in entries.sorted(by: { $0.start < $1.start }) {
            if let last = result.last, call.start <= last.end {
                result[result.count - 1].end = max(last.end, call.end)
            } else {
                result.append((call.start, call.end))
            }
        }
        return result
    }
}
