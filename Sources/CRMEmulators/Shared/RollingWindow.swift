import Foundation

/// A rolling-window rate limit: at most `limit` events in any `window` seconds.
struct RollingWindow: Sendable {
    var limit: Int
    var window: TimeInterval
    private var events: [Date] = []
    private var head = 0

    init(limit: Int, window: TimeInterval) {
        self.limit = limit
        self.window = window
    }

    /// Records an event at `now` if the limit allows; returns whether it did.
    mutating func admit(at now: Date) -> Bool {
        expire(before: now)
        guard events.count - head < limit else { return false }
        events.append(now)
        return true
    }

    /// Events left in the current window.
    mutating func remaining(at now: Date) -> Int {
        expire(before: now)
        return max(0, limit - (events.count - head))
    }

    private mutating func expire(before now: Date) {
        let cutoff = now.addingTimeInterval(-window)
        while head < events.count, events[head] <= cutoff { head += 1 }
        if head > 1024, head * 2 > events.count {
            events.removeFirst(head)
            head = 0
        }
    }
}
