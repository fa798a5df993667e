import ContactSyncCore
import ContactSyncStore
import Foundation

/// Conversations: start, messages (which push a text conversation's end), attributes, summary, end.
public struct ConversationService: Sendable {
    let repositories: Repositories
    /// How long after its last message a text conversation ends.
    let textIdle: TimeInterval
    /// How far in the future a message's own time may lie (clocks differ a little).
    static let maxClockSkew: TimeInterval = 300
    let now: @Sendable () -> Date
    /// The longest message accepted, in characters; a longer one answers 413 `message_too_long`.
    let maxMessageCharacters: Int

    /// The default message limit.
    public static let defaultMaxMessageCharacters = 32_000

    public init(
        repositories: Repositories, textIdleSeconds: Int, maxMessageCharacters: Int = ConversationService.defaultMaxMessageCharacters,
        now: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.repositories = repositories
        self.textIdle = TimeInterval(textIdleSeconds)
        self.maxMessageCharacters = maxMessageCharacters
        self.now = now
    }

    /// Starts a conversation of `agentId` (its channel's). One a voice platform's call made (`platform`) is
    /// a voice conversation from when the call started.
    public func start(id: String?, agentId: String, platform: VoicePlatform? = nil, startedAt: Date? = nil) async throws(ServiceError) -> Conversation {
        let id = id ?? Identifier.make("conv")
        guard !id.isBlank, id.count <= 200 else {
            throw ServiceError(.badRequest, .invalidRequest, "A conversation id has 1 to 200 characters.")
        }
        guard ClientIdentifier.isPrintable(id) else { throw .invalidId("A conversation id") }
        guard let agent = try await attempt({ try await repositories.configuration.agent(id: agentId) })?.agent else {
            throw ServiceError(.unprocessable, .agentNotFound, "No agent has id '\(agentId)'.")
        }
        let start = min(startedAt ?? now(), now())
        let channel = platform == nil ? agent.channel : .voice
        let conversation = Conversation(
            id: id, agentId: agent.id, channel: channel, startedAt: start,
            endsAt: channel == .text ? start.addingTimeInterval(textIdle) : nil, platform: platform)
        do {
            try await repositories.conversations.insertConversation(conversation)
        } catch RepositoryError.conflict {
            throw ServiceError(.conflict, .conversationExists, "A conversation '\(id)' exists already.")
        } catch {
            throw ServiceError(.unavailable, .storageFailed, "The database could not be reached.")
        }
        return conversation
    }

    public func conversation(id: String) async throws(ServiceError) -> Conversation {
        guard let found = try await attempt({ try await repositories.conversations.conversation(id: id) }) else { throw .notFound("Conversation \(id)") }
        return found
    }

    /// Adds a message; a text conversation then ends `textIdle` after its latest message.
    public func addMessage(conversationId: String, role: String, text: String, at: Date?) async throws(ServiceError) -> Conversation {
        guard ["customer", "agent"].contains(role) else {
            throw ServiceError(.badRequest, .invalidRequest, "role must be customer or agent.")
        }
        // Counting stops just past the limit: a long message costs no more than a short one to refuse.
        guard text.utf8.count <= maxMessageCharacters || text.prefix(maxMessageCharacters + 1).count <= maxMessageCharacters else {
            throw ServiceError(
                .tooLarge, .messageTooLong, "A message may have at most \(maxMessageCharacters) characters; nothing was stored.")
        }
        let received = now()
        let at = at ?? received
        guard at.timeIntervalSince(received) <= Self.maxClockSkew else {
            throw ServiceError(.unprocessable, .invalidMessageTime, "A message's time may be at most 5 minutes in the future.")
        }
        let textIdle = self.textIdle
        let updated = try await attempt {
            try await repositories.conversations.updateConversation(id: conversationId, now: received) { current in
                // Dispatched on any instance means ended, whatever this instance's clock says.
                guard !current.hasEnded(at: received), current.dispatchedAt == nil else {
                    throw ServiceError(.conflict, .conversationEnded, "The conversation has ended.")
                }
                var next = current
                let latest = max(current.lastMessageAt ?? at, at)
                next.lastMessageAt = latest
                next.messageCount += 1
                if current.channel == .text { next.endsAt = max(latest, received).addingTimeInterval(textIdle) }
                return next
            }
        }
        guard let updated else { throw .notFound("Conversation \(conversationId)") }
        try await attempt { try await repositories.conversations.insertMessage(conversationId: conversationId, role: role, text: text, at: at) }
        return updated
    }

    /// Merges agent-field values (`nil` removes one). Values of contact-attribute fields are remembered for
    /// the customer once the conversation knows their email. After the offline runs were dispatched, the
    /// changes become follow-up runs.
    /// `scope` is who may read the remembered values: ``RememberedFor/everyone`` for the admin key, an agent's
    /// id for that agent's key.
    public func mergeAttributes(
        conversationId: String, _ changes: [String: String?], scope: String = RememberedFor.everyone
    ) async throws(ServiceError) -> Conversation {
        let fields = try await knownFields(changes.keys)
        let updated = try await attempt {
            try await repositories.conversations.updateConversation(id: conversationId, now: now()) { current in
                var next = current
                Self.apply(changes, to: &next)
                return next
            }
        }
        guard let updated else { throw .notFound("Conversation \(conversationId)") }
        try await remember(updated, fields: fields, scope: scope)
        return updated
    }

    /// The agent fields, when every key names one; `unknown_agent_field` otherwise.
    private func knownFields(_ keys: some Collection<String>) async throws(ServiceError) -> [AgentField] {
        let fields = try await attempt { try await repositories.configuration.agentFields() }
        let known = Set(fields.map(\.key))
        let unknown = keys.filter { !known.contains($0) }.sorted()
        guard unknown.isEmpty else {
            throw ServiceError(
                .unprocessable, .unknownAgentField, "No agent field is named \(unknown.map { "'\($0)'" }.joined(separator: ", ")).",
                details: unknown.map { .init(code: "unknown_agent_field", agentField: $0) })
        }
        return fields
    }

    private static func apply(_ changes: [String: String?], to conversation: inout Conversation) {
        for (key, value) in changes {
            if key == AgentField.summaryKey {
                conversation.summary = value
            } else {
                conversation.attributes[key] = value
            }
        }
    }

    /// Remembers the conversation's contact-attribute values for its customer.
    private func remember(_ conversation: Conversation, fields: [AgentField], scope: String) async throws(ServiceError) {
        guard let email = conversation.attributes[AgentField.emailKey].flatMap(EmailAddress.normalize) else { return }
        let remembered = fields.filter(\.contactAttribute).compactMap { field in
            conversation.attributes[field.key].flatMap { $0.isBlank ? nil : (field.key, $0.trimmed) }
        }
        if !remembered.isEmpty {
            try await attempt { try await repositories.contacts.rememberContactAttributes(email: email, scope: scope, Dictionary(uniqueKeysWithValues: remembered), now: now()) }
        }
    }

    public func setSummary(conversationId: String, text: String?) async throws(ServiceError) -> Conversation {
        let updated = try await attempt {
            try await repositories.conversations.updateConversation(id: conversationId, now: now()) { current in
                var next = current
                next.summary = text
                return next
            }
        }
        guard let updated else { throw .notFound("Conversation \(conversationId)") }
        return updated
    }

    /// Ends the conversation now (the call ended, the chat closed), first applying the final `summary` and
    /// `attributes` when given, in the same change. Ending an ended one changes only the values; after the
    /// dispatch they become follow-up runs.
    public func end(
        conversationId: String, summary: String? = nil, attributes: [String: String?] = [:], call: CallFacts? = nil,
        scope: String = RememberedFor.everyone
    ) async throws(ServiceError) -> Conversation {
        if let direction = call?.direction, !["inbound", "outbound"].contains(direction) {
            throw ServiceError(.unprocessable, .invalidRequest, "A call's direction is inbound or outbound.")
        }
        if let seconds = call?.durationSeconds, seconds < 0 {
            throw ServiceError(.unprocessable, .invalidRequest, "A call's duration cannot be negative.")
        }
        let fields = attributes.isEmpty ? [] : try await knownFields(attributes.keys)
        let at = now()
        let updated = try await attempt {
            try await repositories.conversations.updateConversation(id: conversationId, now: at) { current in
                var next = current
                Self.apply(attributes, to: &next)
                if let summary { next.summary = summary }
                if let call { next.call = call }
                if !current.hasEnded(at: at) {
                    next.endedAt = at
                    next.endsAt = at
                }
                return next == current ? nil : next
            }
        }
        guard let updated else { throw .notFound("Conversation \(conversationId)") }
        if !fields.isEmpty { try await remember(updated, fields: fields, scope: scope) }
        return updated
    }
}
