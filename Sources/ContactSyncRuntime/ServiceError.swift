/// Why a service refused a request, with a machine-readable code for the API.
public struct ServiceError: Error, Sendable, Hashable {
    public enum Kind: Sendable, Hashable {
        case badRequest, notFound, conflict, unprocessable, unavailable, tooLarge
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

    public var kind: Kind
    public var code: String
    public var message: String
    public var details: [Detail]

    public init(_ kind: Kind, _ code: String, _ message: String, details: [Detail] = []) {
        self.kind = kind
        self.code = code
        self.message = message
        self.details = details
    }

    /// A client-chosen id with a control character: 422 `invalid_id`.
    public static func invalidId(_ what: String) -> ServiceError {
        ServiceError(.unprocessable, "invalid_id", "\(what) may hold printable characters only (no control characters or line breaks).")
    }

    public static func notFound(_ what: String) -> ServiceError {
        ServiceError(.notFound, "not_found", "\(what) was not found.")
    }
}
