/// Paces one account's calls under a rolling-window limit (HubSpot: requests per 10 s), learning the
/// limit and the calls others made from the CRM's rate-limit headers, so that throttling is avoided
/// rather than retried.
///
/// A call counts from when it is sent until its answer arrives, and from then on for a whole window: the
/// CRM counted it somewhere in between, so the window is never taken to free up before the CRM's does.
actor RequestPacer {
    /// A call under way or done, as the pacer counts it.
    struct Ticket: Sendable {
        fileprivate let id: UInt64
    }

    private var limit: Int
    private var window: Duration
    /// Calls in the window, by ticket, with the time they count from; `nil` while the call is under way, which
    /// keeps it counted however long its answer takes.
    private var counted: [UInt64: ContinuousClock.Instant?] = [:]
    /// Calls waiting for one under way to finish, when every counted call is under way.
    private var waiters: [CheckedContinuation<Void, Never>] = []
    private var nextId: UInt64 = 0
    private var pausedUntil: ContinuousClock.Instant?
    private let clock = ContinuousClock()

    init(limit: Int, window: Duration) {
        self.limit = max(1, limit)
        self.window = window
    }

    /// One call short of the CRM's limit, and a little time beyond its window. A call counts here from when its
    /// answer arrives, after the CRM counted it, so the window already ends after the CRM's; the margin only
    /// covers the two clocks' rates and the timer's jitter.
    private var effectiveLimit: Int { Swift.max(1, limit - 1) }
    private var effectiveWindow: Duration { window + window / 500 + .milliseconds(20) }

    /// Waits until a call may be sent and counts it.
    func acquire() async -> Ticket {
        while true {
            let now = clock.now
            prune(now)
            if let pausedUntil, pausedUntil > now {
                try? await Task.sleep(until: pausedUntil, clock: clock)
                continue
            }
            if counted.count < effectiveLimit {
                return admit()
            }
            guard let oldest = counted.values.compactMap({ $0 }).min() else {
                await withCheckedContinuation { waiters.append($0) }
                continue
            }
            try? await Task.sleep(until: oldest + effectiveWindow, clock: clock)
            if Task.isCancelled { return admit() }
        }
    }

    /// The call's answer arrived (or it failed): it counts from now.
    func finished(_ ticket: Ticket) {
        if counted[ticket.id] != nil { counted[ticket.id] = clock.now }
        let woken = waiters
        waiters = []
        for waiter in woken { waiter.resume() }
    }

    /// Counts a call sent now (under way until ``finished(_:)``).
    private func admit() -> Ticket {
        defer { nextId += 1 }
        counted[nextId] = .some(nil)
        return Ticket(id: nextId)
    }

    /// Learns from an answer's headers: the limit, the window's length, and how much of it is left.
    /// `remaining` is only read together with `max`, as HubSpot sends them.
    func observe(max: Int?, remaining: Int?, interval: Duration? = nil) {
        guard let max, max > 0 else { return }
        limit = max
        if let interval, interval > .zero { window = interval }
        guard let remaining else { return }
        let now = clock.now
        prune(now)
        let usedElsewhere = (limit - remaining) - counted.count
        for _ in 0..<Swift.max(0, usedElsewhere) { finished(admit()) }
    }

    /// Holds every call back for `duration` (after a throttling answer).
    func pause(for duration: Duration) {
        let until = clock.now + duration
        if pausedUntil.map({ $0 < until }) ?? true { pausedUntil = until }
    }

    /// Time until a slot frees up.
    func waitEstimate() -> Duration {
        let now = clock.now
        prune(now)
        guard counted.count >= effectiveLimit else { return .zero }
        guard let oldest = counted.values.compactMap({ $0 }).min() else { return effectiveWindow }
        return oldest + effectiveWindow - now
    }

    private func prune(_ now: ContinuousClock.Instant) {
        let cutoff = now - effectiveWindow
        counted = counted.filter { $0.value.map { $0 > cutoff } ?? true }
    }
}
