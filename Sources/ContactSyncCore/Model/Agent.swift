/// How an agent talks to customers; it decides when its conversations end.
public enum AgentChannel: String, Sendable, Hashable, Codable, CaseIterable {
    /// Chat: a conversation ends a while after its last message.
    case text
    /// Voice: a conversation ends when the call ends.
    case voice
}

/// A chat or voice agent and the actions it has.
public struct Agent: Sendable, Hashable, Codable, Identifiable {
    public var id: String
    public var name: String
    public var channel: AgentChannel
    public var actionIds: [String]
    /// How values and a summary the platform did not supply are taken from the transcript.
    public var extraction: ExtractionSettings

    public init(id: String, name: String, channel: AgentChannel, actionIds: [String], extraction: ExtractionSettings = ExtractionSettings()) {
        self.id = id
        self.name = name
        self.channel = channel
        self.actionIds = actionIds
        self.extraction = extraction
    }
}
