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
