import ContactSyncCore
import ContactSyncStore
import Foundation

/// Conversations: start, messages (which push a text conversation's end), attributes, summary, end.
public struct ConversationService: Sendable {
    let store: Store
    /// How long after its last message a text conversation ends.
    let textIdle: TimeInterval
    let now: @Sendable () -> Date

    public init(store: Store, textIdleSeconds: Int, now: @escaping @Sendable () -> Date = { Date() }) {
        self.store = store
        self.textIdle = TimeInterval(textIdleSeconds)
        self.now = now
    }

    private func attempt<T>(_ body: () async throws -> T) async throws(ServiceError) -> T {
        do {
            return try await body()
        } catch let error as ServiceError {
            throw error
        } catch {
            throw ServiceError(.unavailable, "storage_failed", "The database could not be reached.")
        }
    }

    public func start(id: String?, agentId: String) async throws(ServiceError) -> Conversation {
        let id = id ?? Store.newId("conv")
        guard !id.isBlank, id.count <= 200 else {
            throw ServiceError(.badRequest, "invalid_request", "A conversation id has 1 to 200 characters.")
        }
        guard let agent = try await attempt({ try await store.agent(id: agentId) })?.agent else {
            throw ServiceError(.unprocessable, "agent_not_found", "No agent has id '\(agentId)'.")
        }
        let start = now()
        let conversation = Conversation(
            id: id, agentId: agent.id, channel: agent.channel, startedAt: start,
            endsAt: agent.channel == .text ? start.addingTimeInterval(textIdle) : nil)
        do {
            try await store.insertConversation(conversation)
        } catch StoreError.conflict {
            throw ServiceError(.conflict, "conversation_exists", "A conversation '\(id)' exists already.")
        } catch {
            throw ServiceError(.unavailable, "storage_failed", "The database could not be reached.")
        }
        return conversation
    }

    public func conversation(id: String) async throws(ServiceError) -> Conversation {
        guard let found = try await attempt({ try await store.conversation(id: id) }) else { throw .notFound("Conversation \(id)") }
        return found
    }

    /// Adds a message; a text conversation then ends `textIdle` after its latest message.
    public func addMessage(conversationId: String, role: String, text: String, at: Date?) async throws(ServiceError) -> Conversation {
        guard ["customer", "agent"].contains(role) else {
            throw ServiceError(.badRequest, "invalid_request", "role must be customer or agent.")
        }
        let received = now()
        let at = at ?? received
        let textIdle = self.textIdle
        let updated = try await attempt {
            try await store.updateConversation(id: conversationId) { current in
                guard !current.hasEnded(at: received) else {
                    throw ServiceError(.conflict, "conversation_ended", "The conversation has ended.")
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
        try await attempt { try await store.insertMessage(conversationId: conversationId, role: role, text: text, at: at) }
        return updated
    }

    /// Merges agent-field values (`nil` removes one). Values of contact-attribute fields are remembered for
    /// the customer once the conversation knows their email.
    public func mergeAttributes(conversationId: String, _ changes: [String: String?]) async throws(ServiceError) -> Conversation {
        let fields = try await attempt { try await store.agentFields() }
        let known = Set(fields.map(\.key))
        let unknown = changes.keys.filter { !known.contains($0) }.sorted()
        guard unknown.isEmpty else {
            throw ServiceError(
                .unprocessable, "unknown_agent_field", "No agent field is named \(unknown.map { "'\($0)'" }.joined(separator: ", ")).",
                details: unknown.map { .init(code: "unknown_agent_field", agentField: $0) })
        }
        let updated = try await attempt {
            try await store.updateConversation(id: conversationId) { current in
                var next = current
                for (key, value) in changes {
                    if key == AgentField.summaryKey {
                        next.summary = value
                    } else {
                        next.attributes[key] = value
                    }
                }
                return next
            }
        }
        guard let updated else { throw .notFound("Conversation \(conversationId)") }
        if let email = updated.attributes[AgentField.emailKey].flatMap(EmailAddress.normalize) {
            let remembered = fields.filter(\.contactAttribute).compactMap { field in
                updated.attributes[field.key].flatMap { $0.isBlank ? nil : (field.key, $0.trimmed) }
            }
            if !remembered.isEmpty {
                try await attempt { try await store.rememberContactAttributes(email: email, Dictionary(uniqueKeysWithValues: remembered), now: now()) }
            }
        }
        return updated
    }

    public func setSummary(conversationId: String, text: String?) async throws(ServiceError) -> Conversation {
        let updated = try await attempt {
            try await store.updateConversation(id: conversationId) { current in
                var next = current
                next.summary = text
                return next
            }
        }
        guard let updated else { throw .notFound("Conversation \(conversationId)") }
        return updated
    }

    /// Ends the conversation now (the call ended, the chat closed); ending an ended one changes nothing.
    public func end(conversationId: String) async throws(ServiceError) -> Conversation {
        let at = now()
        let updated = try await attempt {
            try await store.updateConversation(id: conversationId) { current in
                guard !current.hasEnded(at: at) else { return nil }
                var next = current
                next.endedAt = at
                next.endsAt = at
                return next
            }
        }
        guard let updated else { throw .notFound("Conversation \(conversationId)") }
        return updated
    }
}
