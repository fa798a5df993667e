import ContactSyncCore
import ContactSyncStore
import Crypto
import Foundation
import Logging

/// Voice platforms' webhooks (ARCHITECTURE §13): an agent's platform connection, and each delivery turned
/// into its voice conversation. A delivery is checked by its signature, stored, and answered at once; the
/// end of the call wakes the offline queue, which does the CRM work.
public struct VoiceWebhooks: Sendable {
    let repositories: Repositories
    let secrets: SecretBox
    let conversations: ConversationService
    let logger: Logger
    let now: @Sendable () -> Date
    /// Called when a delivery ended a conversation or changed an ended one.
    let conversationEnded: @Sendable () -> Void

    /// The longest signing secret accepted.
    public static let maxSecretLength = 1_024
    /// Deliveries listed per agent.
    public static let listed = 100

    public init(
        repositories: Repositories, secrets: SecretBox, conversations: ConversationService, logger: Logger,
        now: @escaping @Sendable () -> Date = { Date() }, conversationEnded: @escaping @Sendable () -> Void
    ) {
        self.repositories = repositories
        self.secrets = secrets
        self.conversations = conversations
        self.logger = logger
        self.now = now
        self.conversationEnded = conversationEnded
    }

    // MARK: Connections

    /// Connects `agentId` to a platform (replacing any connection it had): the secret is sealed and never
    /// shown again; every mapped agent field must exist.
    public func connect(
        agentId: String, platform: VoicePlatform, secret: String, mapping: [PlatformConnection.Mapping], callerPhoneField: String?
    ) async throws(ServiceError) -> PlatformConnection {
        guard try await attempt({ try await repositories.configuration.agent(id: agentId) }) != nil else { throw .notFound("Agent \(agentId)") }
        var problems: [ServiceError.Detail] = []
        let trimmed = secret.trimmingCharacters(in: .whitespacesAndNewlines)
        if trimmed.isEmpty || trimmed.count > Self.maxSecretLength || trimmed.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) {
            problems.append(.init(code: "invalid_secret", message: "The signing secret has 1 to \(Self.maxSecretLength) characters and no control characters."))
        }
        let known = Set(try await attempt { try await repositories.configuration.agentFields() }.map(\.key))
        var keys: Set<String> = []
        for entry in mapping {
            if entry.key.isBlank || entry.key.count > 200 {
                problems.append(.init(code: "invalid_key", message: "An analysis key has 1 to 200 characters."))
            } else if !keys.insert(entry.key).inserted {
                problems.append(.init(code: "duplicate_key", message: "The analysis key '\(entry.key)' is mapped twice."))
            }
            if !known.contains(entry.agentField) {
                problems.append(.init(code: "unknown_agent_field", message: "No agent field is named '\(entry.agentField)'.", agentField: entry.agentField))
            }
        }
        if let field = callerPhoneField, !known.contains(field) {
            problems.append(.init(code: "unknown_agent_field", message: "No agent field is named '\(field)'.", agentField: field))
        }
        guard problems.isEmpty else {
            throw ServiceError(.unprocessable, .invalidPlatformConnection, problems.compactMap(\.message).joined(separator: " "), details: problems)
        }
        let sealed: Data
        do {
            sealed = try secrets.seal(Data(trimmed.utf8))
        } catch {
            throw ServiceError(.unavailable, .storageFailed, "The secret could not be sealed.")
        }
        let at = now()
        let created = try await attempt { try await repositories.platforms.connection(agentId: agentId) }?.connection.createdAt ?? at
        let connection = PlatformConnection(
            agentId: agentId, platform: platform, mapping: mapping, callerPhoneField: callerPhoneField, createdAt: created, updatedAt: at)
        try await attempt { try await repositories.platforms.saveConnection(connection, sealedSecret: sealed) }
        return connection
    }

    /// The agent's connection.
    public func connection(agentId: String) async throws(ServiceError) -> PlatformConnection {
        guard let found = try await attempt({ try await repositories.platforms.connection(agentId: agentId) }) else {
            throw ServiceError(.notFound, .platformNotConnected, "Agent \(agentId) is not connected to a voice platform.")
        }
        return found.connection
    }

    /// Removes the agent's connection; its webhook refuses deliveries from then on.
    public func disconnect(agentId: String) async throws(ServiceError) {
        guard try await attempt({ try await repositories.platforms.deleteConnection(agentId: agentId) }) else {
            throw ServiceError(.notFound, .platformNotConnected, "Agent \(agentId) is not connected to a voice platform.")
        }
    }

    /// The agent's latest deliveries, newest first.
    public func deliveries(agentId: String) async throws(ServiceError) -> [WebhookDelivery] {
        guard try await attempt({ try await repositories.configuration.agent(id: agentId) }) != nil else { throw .notFound("Agent \(agentId)") }
        return try await attempt { try await repositories.platforms.deliveries(agentId: agentId, limit: Self.listed) }
    }

    // MARK: Deliveries

    /// What became of a delivery the platform may count as received.
    public struct Receipt: Sendable, Hashable {
        public let status: WebhookDelivery.Status
        public let conversationId: String?
    }

    /// Takes one delivery to `agentId`'s webhook for `platform`: the raw body and the request's headers
    /// (names lowercased). A missing, wrong or stale signature is refused (401) and stores nothing but the
    /// refusal; so is any delivery to an agent without a connection that could check it, and a validly signed
    /// one for another platform than the agent's answers 404. A redelivery changes nothing.
    public func receive(agentId: String, platform: VoicePlatform, body: [UInt8], headers: [String: String]) async throws(ServiceError) -> Receipt {
        let received = now()
        let stored = try await attempt { try await repositories.platforms.connection(agentId: agentId) }
        let refused = ServiceError(.unauthorized, .invalidSignature, "The delivery's signature is missing, wrong or stale.")
        guard let stored, let secret = try? secrets.open(stored.sealedSecret), let text = String(data: secret, encoding: .utf8) else { throw refused }
        // Signature, payload and digest each read the whole body (up to 1 MiB of a stranger's bytes): on the
        // thread pool, never on the event loops.
        let read: Read
        do {
            read = try await UntrustedText.process { _ in Self.read(platform, body: body, headers: headers, secret: text, now: received) }
        } catch {
            throw ServiceError(.unavailable, .internalError, "The delivery could not be read now; send it again.")
        }
        guard read.verdict == .valid, let result = read.event else {
            try await record(agentId, .init(receivedAt: received, platform: platform, eventType: nil, status: .refused, reason: Self.reason(read.verdict), conversationId: nil))
            throw refused
        }
        let connection = stored.connection
        guard connection.platform == platform else {
            throw ServiceError(.notFound, .platformNotConnected, "Agent \(agentId) is connected to \(connection.platform.name), not \(platform.name).")
        }
        let event: PlatformEvent
        switch result {
        case .success(let decoded): event = decoded
        case .failure(let error):
            try await record(agentId, .init(receivedAt: received, platform: platform, eventType: nil, status: .refused, reason: error.reason, conversationId: nil))
            throw ServiceError(.badRequest, .invalidRequest, error.reason)
        }
        let digest = read.digest
        guard let callId = event.callId else {
            let ignored = WebhookDelivery(
                receivedAt: received, platform: platform, eventType: event.type, status: .ignored, reason: "contact-sync does not use this event", conversationId: nil)
            _ = try await attempt { try await repositories.platforms.recordDelivery(agentId: agentId, ignored, digest: digest) }
            return Receipt(status: .ignored, conversationId: nil)
        }
        let conversationId = platform.conversationId(callId: callId)
        let accepted = WebhookDelivery(receivedAt: received, platform: platform, eventType: event.type, status: .accepted, reason: nil, conversationId: conversationId)
        guard try await attempt({ try await repositories.platforms.recordDelivery(agentId: agentId, accepted, digest: digest) }) else {
            var duplicate = accepted
            duplicate.status = .duplicate
            try await record(agentId, duplicate)
            return Receipt(status: .duplicate, conversationId: conversationId)
        }
        do throws(ServiceError) {
            try await apply(event, as: conversationId, agentId: agentId, platform: platform, connection: connection)
        } catch {
            // Not taken: the platform's retry is taken afresh.
            try? await repositories.platforms.forgetDelivery(agentId: agentId, digest: digest)
            throw error
        }
        return Receipt(status: .accepted, conversationId: conversationId)
    }

    /// The call as a voice conversation: created on its first delivery, its transcript stored once, its
    /// values and summary applied, ended when the call has (later values then become follow-up runs).
    private func apply(
        _ event: PlatformEvent, as conversationId: String, agentId: String, platform: VoicePlatform, connection: PlatformConnection
    ) async throws(ServiceError) {
        do throws(ServiceError) {
            _ = try await conversations.start(id: conversationId, agentId: agentId, platform: platform, startedAt: event.startedAt)
        } catch where error.code == .conversationExists {
            let existing = try await conversations.conversation(id: conversationId)
            guard existing.agentId == agentId else {
                throw ServiceError(.conflict, .conversationExists, "The conversation \(conversationId) belongs to another agent.")
            }
        }
        let start = event.startedAt ?? now()
        let turns = event.turns.map { (role: $0.role, text: $0.text, at: $0.at ?? start) }
        _ = try await attempt { try await repositories.conversations.insertTranscript(conversationId: conversationId, turns) }
        let values = event.attributes(through: connection).mapValues { Optional($0) }
        if event.ended {
            _ = try await conversations.end(conversationId: conversationId, summary: event.summary, attributes: values, call: event.call)
            conversationEnded()
        } else {
            if !values.isEmpty { _ = try await conversations.mergeAttributes(conversationId: conversationId, values) }
            if let summary = event.summary { _ = try await conversations.setSummary(conversationId: conversationId, text: summary) }
        }
        logger.info("voice delivery applied", metadata: ["platform": "\(platform.rawValue)", "conversation": "\(conversationId)", "event": "\(event.type)"])
    }

    /// What a delivery's body says, read once: its signature's verdict, then (when valid) its payload and digest.
    struct Read: Sendable {
        let verdict: WebhookSignature.Verdict
        /// Read only when the signature is valid.
        let event: Result<PlatformEvent, PlatformEvent.Unreadable>?
        let digest: String
    }

    static func read(_ platform: VoicePlatform, body: [UInt8], headers: [String: String], secret: String, now: Date) -> Read {
        let verdict = WebhookSignature.verify(platform, body: body, headers: headers, secret: secret, now: now)
        guard verdict == .valid else { return Read(verdict: verdict, event: nil, digest: "") }
        let event: Result<PlatformEvent, PlatformEvent.Unreadable>
        do throws(PlatformEvent.Unreadable) {
            event = .success(try PlatformEvent.decode(platform, body: body))
        } catch {
            event = .failure(error)
        }
        return Read(verdict: verdict, event: event, digest: Digests.hex(SHA256.hash(data: body)))
    }

    private func record(_ agentId: String, _ delivery: WebhookDelivery) async throws(ServiceError) {
        _ = try await attempt { try await repositories.platforms.recordDelivery(agentId: agentId, delivery, digest: nil) }
    }

    static func reason(_ verdict: WebhookSignature.Verdict) -> String {
        switch verdict {
        case .valid: "valid"
        case .missing: "no signature"
        case .invalid: "wrong signature"
        case .stale: "stale timestamp"
        }
    }
}
