import Foundation

/// A voice-agent platform that posts its calls to contact-sync by webhook (ARCHITECTURE §13).
public enum VoicePlatform: String, Sendable, Hashable, Codable, CaseIterable {
    case retell, vapi, elevenlabs

    /// The conversation a platform's call becomes: `retell:<call_id>`, `vapi:<call id>`, `elevenlabs:<conversation_id>`.
    public func conversationId(callId: String) -> String { "\(rawValue):\(callId)" }

    /// The platform's own name.
    public var name: String {
        switch self {
        case .retell: "Retell"
        case .vapi: "Vapi"
        case .elevenlabs: "ElevenLabs"
        }
    }
}

/// How an agent's calls on a voice platform reach contact-sync: the platform, its analysis keys mapped to
/// agent fields, and where the caller's number goes. The signing secret is kept sealed beside it and never
/// shown again.
public struct PlatformConnection: Sendable, Hashable, Codable {
    /// One analysis value the platform sends (Retell `custom_analysis_data`, Vapi structured data,
    /// ElevenLabs `data_collection_results`) and the agent field it fills.
    public struct Mapping: Sendable, Hashable, Codable {
        public var key: String
        public var agentField: String

        public init(key: String, agentField: String) {
            self.key = key
            self.agentField = agentField
        }
    }

    public var agentId: String
    public var platform: VoicePlatform
    public var mapping: [Mapping]
    /// The agent field the caller's number fills (usually `phone`); nil leaves it out.
    public var callerPhoneField: String?
    public var createdAt: Date
    public var updatedAt: Date

    public init(agentId: String, platform: VoicePlatform, mapping: [Mapping], callerPhoneField: String?, createdAt: Date, updatedAt: Date) {
        self.agentId = agentId
        self.platform = platform
        self.mapping = mapping
        self.callerPhoneField = callerPhoneField
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }
}

/// One delivery to a platform webhook, as recorded and listed per agent.
public struct WebhookDelivery: Sendable, Hashable, Codable {
    /// What became of it.
    public enum Status: String, Sendable, Hashable, Codable {
        /// Stored: the conversation was created or changed.
        case accepted
        /// The same delivery was accepted before: nothing changed.
        case duplicate
        /// Signed, but of an event type contact-sync does not use.
        case ignored
        /// Not stored: the signature was missing, wrong or stale, or the body unreadable.
        case refused
    }

    public var receivedAt: Date
    public var platform: VoicePlatform
    public var eventType: String?
    public var status: Status
    public var reason: String?
    public var conversationId: String?

    public init(receivedAt: Date, platform: VoicePlatform, eventType: String?, status: Status, reason: String?, conversationId: String?) {
        self.receivedAt = receivedAt
        self.platform = platform
        self.eventType = eventType
        self.status = status
        self.reason = reason
        self.conversationId = conversationId
    }
}
