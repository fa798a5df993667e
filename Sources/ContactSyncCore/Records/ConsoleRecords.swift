import Foundation

/// A message of a conversation's transcript.
public struct StoredMessage: Sendable, Hashable {
    public var role: String
    public var text: String
    public var at: Date

    public init(role: String, text: String, at: Date) {
        self.role = role
        self.text = text
        self.at = at
    }
}

/// How many offline runs wait, and for what.
public struct OfflineQueueCounts: Sendable, Hashable {
    /// Pending runs whose time has come.
    public var due: Int
    /// Pending runs waiting for their next attempt.
    public var pending: Int
    /// Runs waiting for an account to be reconnected.
    public var waitingForAccount: Int

    public init(due: Int, pending: Int, waitingForAccount: Int) {
        self.due = due
        self.pending = pending
        self.waitingForAccount = waitingForAccount
    }
}

/// How many runs of one hour ended one way: what the console's chart is drawn from.
public struct RunCount: Sendable, Hashable {
    /// Whole hours between the run's creation and now.
    public var hoursAgo: Int
    public var status: RunStatus
    public var outcome: RunOutcome?
    public var count: Int

    public init(hoursAgo: Int, status: RunStatus, outcome: RunOutcome?, count: Int) {
        self.hoursAgo = hoursAgo
        self.status = status
        self.outcome = outcome
        self.count = count
    }
}

/// A reason runs failed for, and how many did.
public struct FailureCount: Sendable, Hashable {
    public var reason: String
    public var count: Int

    public init(reason: String, count: Int) {
        self.reason = reason
        self.count = count
    }
}
