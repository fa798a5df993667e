/// Which runs to list.
public struct RunFilter: Sendable, Hashable {
    public var conversationId: String?
    public var actionId: String?
    public var status: RunStatus?

    public init(conversationId: String? = nil, actionId: String? = nil, status: RunStatus? = nil) {
        self.conversationId = conversationId
        self.actionId = actionId
        self.status = status
    }
}
