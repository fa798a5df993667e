import ContactSyncStore

/// Why a service refused a request, with a machine-readable code for the API.
public struct ServiceError: Error, Sendable, Hashable {
    public enum Kind: Sendable, Hashable {
        case badRequest, notFound, conflict, unprocessable, unavailable, tooLarge
        /// The request does not prove who sent it (a webhook's signature).
        case unauthorized
    }

    /// One detail of a refusal, e.g. one problem of an action.
    public struct Detail: Sendable, Hashable, Codable {
        public var code: String
        public var message: String?
        public var crmField: String?
        public var agentField: String?
        public var reason: String?
        public var actionId: String?

        public init(code: String, message: String? = nil, crmField: String? = nil, agentField: String? = nil, reason: String? = nil, actionId: String? = nil) {
            self.code = code
            self.message = message
            self.crmField = crmField
            self.agentField = agentField
            self.reason = reason
            self.actionId = actionId
        }
    }

    /// The machine-readable reason, part of the API contract: one constant per reason, so a code is found by
    /// its name and cannot drift in spelling.
    public struct Code: RawRepresentable, Sendable, Hashable, CustomStringConvertible {
        public let rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }
        public var description: String { rawValue }

        public static let accountInUse = Code(rawValue: "account_in_use")
        public static let accountVerificationFailed = Code(rawValue: "account_verification_failed")
        public static let actionInUse = Code(rawValue: "action_in_use")
        public static let agentNotFound = Code(rawValue: "agent_not_found")
        /// A run for this request exists already.
        public static let conflict = Code(rawValue: "conflict")
        public static let conversationEnded = Code(rawValue: "conversation_ended")
        public static let conversationExists = Code(rawValue: "conversation_exists")
        /// A run names a conversation that does not exist.
        public static let conversationNotFound = Code(rawValue: "conversation_not_found")
        public static let crmMismatch = Code(rawValue: "crm_mismatch")
        public static let crmUnavailable = Code(rawValue: "crm_unavailable")
        public static let emulatorUnavailable = Code(rawValue: "emulator_unavailable")
        public static let fieldBuiltIn = Code(rawValue: "field_built_in")
        public static let fieldExists = Code(rawValue: "field_exists")
        public static let fieldInUse = Code(rawValue: "field_in_use")
        /// An Idempotency-Key reused with a different request.
        public static let idempotencyKeyMismatch = Code(rawValue: "idempotency_key_mismatch")
        public static let invalidAction = Code(rawValue: "invalid_action")
        public static let invalidAgent = Code(rawValue: "invalid_agent")
        public static let invalidFieldKey = Code(rawValue: "invalid_field_key")
        /// A client-chosen id holds a control character.
        public static let invalidId = Code(rawValue: "invalid_id")
        public static let invalidMessageTime = Code(rawValue: "invalid_message_time")
        /// The request is malformed or incomplete.
        public static let invalidRequest = Code(rawValue: "invalid_request")
        /// An id names nothing.
        public static let notFound = Code(rawValue: "not_found")
        /// A retry of a run that is not failed, or is being retried already.
        public static let notRetryable = Code(rawValue: "not_retryable")
        public static let oauthNotConfigured = Code(rawValue: "oauth_not_configured")
        /// The database could not be reached.
        public static let storageFailed = Code(rawValue: "storage_failed")
        public static let toolNameTaken = Code(rawValue: "tool_name_taken")
        public static let accountMismatch = Code(rawValue: "account_mismatch")
        public static let invalidState = Code(rawValue: "invalid_state")
        public static let messageTooLong = Code(rawValue: "message_too_long")
        public static let unknownAgentField = Code(rawValue: "unknown_agent_field")
        /// The CRM did not authorize an OAuth flow.
        public static let authorizationDenied = Code(rawValue: "authorization_denied")
        /// A key that may not do this (403).
        public static let forbidden = Code(rawValue: "forbidden")
        /// Something failed that the caller cannot mend.
        public static let internalError = Code(rawValue: "internal_error")
        /// A route that does not take this method.
        public static let methodNotAllowed = Code(rawValue: "method_not_allowed")
        /// A body over the limit (413).
        public static let payloadTooLarge = Code(rawValue: "payload_too_large")
        /// A webhook delivery whose signature is missing, wrong, tampered with or stale (401).
        public static let invalidSignature = Code(rawValue: "invalid_signature")
        /// An agent has no connection to this voice platform.
        public static let platformNotConnected = Code(rawValue: "platform_not_connected")
        /// A voice-platform connection that cannot be made as asked.
        public static let invalidPlatformConnection = Code(rawValue: "invalid_platform_connection")
        /// No valid key (401).
        public static let unauthorized = Code(rawValue: "unauthorized")
    }

    public var kind: Kind
    public var code: Code
    public var message: String
    public var details: [Detail]

    public init(_ kind: Kind, _ code: Code, _ message: String, details: [Detail] = []) {
        self.kind = kind
        self.code = code
        self.message = message
        self.details = details
    }

    /// A client-chosen id with a control character: 422 `invalid_id`.
    public static func invalidId(_ what: String) -> ServiceError {
        ServiceError(.unprocessable, .invalidId, "\(what) may hold printable characters only (no control characters or line breaks).")
    }

    public static func notFound(_ what: String) -> ServiceError {
        ServiceError(.notFound, .notFound, "\(what) was not found.")
    }
}

/// A call to the repositories, in a service's words: the service's own refusals pass as they are, an invalid
/// cursor is the caller's mistake (400), anything else is the database out of reach (503 `storage_failed`).
func attempt<T>(_ body: () async throws -> T) async throws(ServiceError) -> T {
    do {
        return try await body()
    } catch let error as ServiceError {
        throw error
    } catch RepositoryError.invalidCursor {
        throw ServiceError(.badRequest, .invalidRequest, "The cursor is not valid.")
    } catch {
        throw ServiceError(.unavailable, .storageFailed, "The database could not be reached.")
    }
}
