import Foundation

/// An action as stored, with when it was created.
public struct StoredAction: Sendable, Hashable {
    public var action: Action
    public var createdAt: Date

    public init(action: Action, createdAt: Date) {
        self.action = action
        self.createdAt = createdAt
    }
}

/// An agent as stored.
public struct StoredAgent: Sendable, Hashable {
    public var agent: Agent
    public var createdAt: Date

    public init(agent: Agent, createdAt: Date) {
        self.agent = agent
        self.createdAt = createdAt
    }
}
