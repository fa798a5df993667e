/// Paces one account's calls under a rolling-window limit (HubSpot: requests per 10 s), learning the
/// limit and the calls others made from the CRM's rate-limit headers, so that throttling is avoided
/// rather than retried.
actor RequestPacer {
    private var limit: Int
    private var window: Duration
    private var sent: [ContinuousClock.Instant] = []
    private var pausedUntil: ContinuousClock.Instant?
    private let clock = ContinuousClock()

    init(limit: Int, window: Duration) {
        self.limit = max(1, limit)
        self.window = window
    }

    /// Waits until a call may be sent and counts it.
    func acquire() async {
        while true {
            let now = clock.now
            prune(now)
            if let pausedUntil, pausedUntil > now {
                try? await Task.sleep(until: pausedUntil, clock: clock)
                continue
            }
            if sent.count < effectiveLimit {
                sent.append(now)
                return
            }
            try? await Task.sleep(until: sent[0] + effectiveWindow, clock: clock)
            if Task.isCancelled { return }
        }
    }

    /// One call and a little time short of the CRM's numbers: the CRM counts a call when it arrives,
    /// a little after it is counted here.
    private var effectiveLimit: Int { Swift.max(1, limit - 1) }
    private var effectiveWindow: Duration { window + window / 20 + .milliseconds(100) }

    /// Learns from an answer's headers: the limit, the window's length, and how much of it is left.
    /// `remaining` is only read together with `max`, as HubSpot sends them.
    func observe(max: Int?, remaining: Int?, interval: Duration? = nil) {
        guard let max, max > 0 else { return }
        limit = max
        if let interval, interval > .zero { window = interval }
        guard let remaining else { return }
        let now = clock.now
        prune(now)
        let usedElsewhere = (limit - remaining) - sent.count
        if usedElsewhere > 0 { sent.append(contentsOf: Array(repeating: now, count: usedElsewhere)) }
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
        guard sent.count >= effectiveLimit, let oldest = sent.first else { return .zero }
        return oldest + effectiveWindow - now
    }

    private func prune(_ now: ContinuousClock.Instant) {
        let cutoff = now - effectiveWindow
        if let index = sent.firstIndex(where: { $0 > cutoff }) {
            if index > 0 { sent.removeFirst(index) }
        } else {
            sent.removeAll()
        }
    }
}
