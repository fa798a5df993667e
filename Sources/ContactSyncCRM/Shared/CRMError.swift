/// Everything that can go wrong talking to a CRM, with the CRM's own code and message kept.
public struct CRMError: Error, Sendable, Hashable, CustomStringConvertible {
    /// An extensible error code.
    public struct Code: RawRepresentable, Sendable, Hashable, CustomStringConvertible {
        public let rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }
        public var description: String { rawValue }

        /// The CRM throttled the call (429 or a concurrency limit).
        public static let rateLimited = Code(rawValue: "rate_limited")
        /// A 5xx answer.
        public static let serverError = Code(rawValue: "server_error")
        /// No answer in time.
        public static let timeout = Code(rawValue: "timeout")
        /// The connection failed or was dropped.
        public static let connectionFailed = Code(rawValue: "connection_failed")
        /// The grant was revoked or is invalid: the account must be connected again.
        public static let reconnectRequired = Code(rawValue: "reconnect_required")
        /// The CRM's daily API limit is spent.
        public static let dailyLimitExceeded = Code(rawValue: "daily_limit_exceeded")
        /// The CRM refused the request (validation, duplicates, permissions).
        public static let crmRejected = Code(rawValue: "crm_rejected")
        /// The record does not exist.
        public static let notFound = Code(rawValue: "not_found")
        /// A contact with this email already exists; `existingId` names it.
        public static let contactExists = Code(rawValue: "contact_exists")
        /// The CRM answered something contact-sync cannot read.
        public static let invalidResponse = Code(rawValue: "invalid_response")
        /// The account's settings are unusable (bad base URL, missing credentials).
        public static let misconfigured = Code(rawValue: "misconfigured")
        /// The worker can no longer vouch for its lease on the run: the write was not sent.
        public static let leaseLost = Code(rawValue: "lease_lost")
    }

    public var code: Code
    public var message: String
    /// The CRM's own error code: `DUPLICATES_DETECTED`, `INVALID_EMAIL`, `TEN_SECONDLY_ROLLING`, ….
    public var crmCode: String?
    /// The HTTP status, when there was an answer.
    public var status: Int?
    /// How long the CRM asked to wait before retrying.
    public var retryAfter: Duration?
    /// For `contact_exists`: the existing contact's id.
    public var existingId: String?

    public init(
        _ code: Code, _ message: String, crmCode: String? = nil, status: Int? = nil, retryAfter: Duration? = nil,
        existingId: String? = nil
    ) {
        self.code = code
        self.message = message
        self.crmCode = crmCode
        self.status = status
        self.retryAfter = retryAfter
        self.existingId = existingId
    }

    /// Whether trying again later may succeed: throttling, server errors, timeouts, dropped connections,
    /// and Salesforce's row locks.
    public var isRetryable: Bool {
        [.rateLimited, .serverError, .timeout, .connectionFailed].contains(code) || crmCode == "UNABLE_TO_LOCK_ROW"
    }

    /// Whether the request may have been carried out although no answer arrived.
    var isAmbiguous: Bool { code == .timeout || code == .connectionFailed }

    public var description: String {
        "\(code.rawValue)\(crmCode.map { " (\($0))" } ?? ""): \(message)"
    }
}
