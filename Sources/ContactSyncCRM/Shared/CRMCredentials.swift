import Foundation

/// What a connector needs to call a CRM account: an access token, and when it can be renewed, how.
/// Stored encrypted by the caller; never logged.
public struct CRMCredentials: Sendable, Hashable, Codable {
    public var accessToken: String
    public var refreshToken: String?
    /// When the access token expires, if known (HubSpot OAuth: 30 minutes after issue).
    public var expiresAt: Date?
    public var clientId: String?
    public var clientSecret: String?
    /// Salesforce: the org's instance URL, kept across refreshes.
    public var instanceURL: String?
    /// Salesforce: where tokens are refreshed (`https://login.salesforce.com`, a sandbox or My Domain).
    public var loginURL: String?

    public init(
        accessToken: String, refreshToken: String? = nil, expiresAt: Date? = nil, clientId: String? = nil,
        clientSecret: String? = nil, instanceURL: String? = nil, loginURL: String? = nil
    ) {
        self.accessToken = accessToken
        self.refreshToken = refreshToken
        self.expiresAt = expiresAt
        self.clientId = clientId
        self.clientSecret = clientSecret
        self.instanceURL = instanceURL
        self.loginURL = loginURL
    }

    /// Whether a refresh token and client can renew the access token.
    public var canRefresh: Bool { refreshToken != nil && clientId != nil }
}

/// Keeps one account's credentials current: renews them before expiry (HubSpot) or after the CRM refuses
/// them (Salesforce), with one renewal in flight at a time however many calls need it, and hands renewed
/// credentials to the owner to persist.
actor TokenKeeper {
    typealias Refresher = @Sendable (CRMCredentials) async throws(CRMError) -> CRMCredentials

    private(set) var credentials: CRMCredentials
    private var renewal: Task<CRMCredentials, any Error>?
    private let refresher: Refresher
    private let onRenewed: @Sendable (CRMCredentials) async -> Void
    private let now: @Sendable () -> Date

    init(
        credentials: CRMCredentials, refresher: @escaping Refresher,
        onRenewed: @escaping @Sendable (CRMCredentials) async -> Void, now: @escaping @Sendable () -> Date
    ) {
        self.credentials = credentials
        self.refresher = refresher
        self.onRenewed = onRenewed
        self.now = now
    }

    /// The access token to use now, renewed first when it expires within `margin`.
    func accessToken(renewingWithin margin: TimeInterval) async throws(CRMError) -> String {
        if let expiresAt = credentials.expiresAt, credentials.canRefresh, expiresAt.timeIntervalSince(now()) <= margin {
            return try await renew().accessToken
        }
        return credentials.accessToken
    }

    /// Credentials after `refused` was refused: the current ones if someone renewed them meanwhile, else
    /// renewed ones (joining a renewal already under way).
    func renew(after refused: String) async throws(CRMError) -> CRMCredentials {
        if credentials.accessToken != refused { return credentials }
        guard credentials.canRefresh else {
            throw CRMError(.reconnectRequired, "The access token was refused and cannot be renewed.")
        }
        return try await renew()
    }

    private func renew() async throws(CRMError) -> CRMCredentials {
        if let renewal {
            let renewed = try await Self.await(renewal)
            credentials = renewed
            return renewed
        }
        let current = credentials
        let refresher = self.refresher
        let task = Task { () async throws -> CRMCredentials in try await refresher(current) }
        renewal = task
        defer { renewal = nil }
        let renewed = try await Self.await(task)
        credentials = renewed
        await onRenewed(renewed)
        return renewed
    }

    private static func await(_ task: Task<CRMCredentials, any Error>) async throws(CRMError) -> CRMCredentials {
        do {
            return try await task.value
        } catch let error as CRMError {
            throw error
        } catch {
            throw CRMError(.connectionFailed, "token renewal failed: \(error)")
        }
    }
}
