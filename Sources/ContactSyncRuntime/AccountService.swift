import AsyncHTTPClient
import ContactSyncCRM
import ContactSyncCore
import ContactSyncStore
import Foundation
import Logging

/// OAuth client settings for one CRM.
public struct OAuthClientSettings: Sendable, Hashable {
    public var clientId: String
    public var clientSecret: String

    public init(clientId: String, clientSecret: String) {
        self.clientId = clientId
        self.clientSecret = clientSecret
    }
}

/// Connecting, verifying, listing and disconnecting CRM accounts.
public struct AccountService: Sendable {
    /// How an account is to be connected.
    public enum Connection: Sendable {
        case hubspotToken(name: String, accessToken: String, baseURL: String?)
        case salesforceSession(name: String, instanceURL: String, accessToken: String, refreshToken: String?, clientId: String?, clientSecret: String?, loginURL: String?)
        /// The built-in emulator at `baseURL`, with a fresh `test-…` token.
        case emulator(crm: CRM, name: String?, baseURL: String)
    }

    let repositories: Repositories
    /// Keys, sign-outs and pending authorizations.
    let access: AccessRepository
    let connectors: Connectors
    let client: HTTPClient
    let logger: Logger

    public init(repositories: Repositories, connectors: Connectors, client: HTTPClient, logger: Logger) {
        self.access = repositories.access
        self.repositories = repositories
        self.connectors = connectors
        self.client = client
        self.logger = logger
    }

    /// Verifies the credentials with the CRM and stores the account (credentials sealed).
    public func connect(_ connection: Connection) async throws(ServiceError) -> AccountRecord {
        try Self.check(connection)
        let (crm, name, credentials, baseURL, emulator) = Self.credentials(for: connection)
        return try await store(crm: crm, name: name, credentials: credentials, baseURL: baseURL, emulator: emulator)
    }

    /// Refuses credentials no CRM issues before any call is made: tokens, client ids and secrets are sent in
    /// headers and forms, so they hold visible ASCII only (a line break or a control character would fail
    /// every call, and must not be tried again and again as if the CRM were unreachable).
    static func check(_ connection: Connection) throws(ServiceError) {
        let secrets: [(String, String?)] = switch connection {
        case .hubspotToken(_, let token, _): [("accessToken", token)]
        case .salesforceSession(_, _, let token, let refresh, let clientId, let secret, _):
            [("accessToken", token), ("refreshToken", refresh), ("clientId", clientId), ("clientSecret", secret)]
        case .emulator: []
        }
        for case let (field, value?) in secrets where !value.utf8.allSatisfy({ (0x21...0x7E).contains($0) }) {
            throw ServiceError(
                .unprocessable, .accountVerificationFailed, "\(field) may hold visible ASCII characters only (no spaces, line breaks or control characters).")
        }
    }

    /// What a connection request amounts to: the CRM, a name, credentials, the base URL, and whether it is
    /// the built-in emulator.
    static func credentials(for connection: Connection) -> (CRM, String, CRMCredentials, String?, Bool) {
        let crm: CRM
        let name: String
        let credentials: CRMCredentials
        let baseURL: String?
        var emulator = false
        switch connection {
        case .hubspotToken(let accountName, let token, let url):
            (crm, name, baseURL) = (.hubspot, accountName, url)
            credentials = CRMCredentials(accessToken: token)
        case .salesforceSession(let accountName, let instanceURL, let token, let refresh, let clientId, let secret, let login):
            (crm, name, baseURL) = (.salesforce, accountName, instanceURL)
            credentials = CRMCredentials(
                accessToken: token, refreshToken: refresh, clientId: clientId, clientSecret: secret, instanceURL: instanceURL,
                loginURL: login ?? "https://login.salesforce.com")
        case .emulator(let emulatedCRM, let accountName, let url):
            crm = emulatedCRM
            name = accountName ?? (emulatedCRM == .hubspot ? "HubSpot emulator" : "Salesforce emulator")
            baseURL = url
            emulator = true
            // The emulators accept any `test-…` token; each is its own app or user.
            let token = "test-" + Identifier.make("contact-sync")
            credentials = emulatedCRM == .hubspot
                ? CRMCredentials(accessToken: token)
                : CRMCredentials(accessToken: token, instanceURL: url, loginURL: url)
        }
        return (crm, name, credentials, baseURL, emulator)
    }

    /// Connects an existing account again with new credentials (after its grant was revoked or expired):
    /// verifies them, stores them sealed, marks the account connected, and makes its waiting runs due.
    public func reconnect(accountId: String, _ connection: Connection) async throws(ServiceError) -> (account: AccountRecord, resumedRuns: Int) {
        try Self.check(connection)
        let (crm, _, credentials, baseURL, _) = Self.credentials(for: connection)
        return try await reconnect(accountId: accountId, crm: crm, credentials: credentials, baseURL: baseURL)
    }

    /// Verifies new credentials for an existing account, stores them (keeping its refresh token when the
    /// new grant brings none), marks it connected and resumes its waiting runs. Every instance picks the
    /// new credentials up: connectors are rebuilt when the stored credentials change.
    func reconnect(accountId: String, crm: CRM, credentials: CRMCredentials, baseURL: String?) async throws(ServiceError) -> (account: AccountRecord, resumedRuns: Int) {
        let existing = try await account(id: accountId)
        var credentials = credentials
        if credentials.refreshToken == nil, let previous = try? connectors.credentials(of: existing) {
            credentials.refreshToken = previous.refreshToken
        }
        guard crm == existing.crm else {
            throw ServiceError(.unprocessable, .crmMismatch, "The account is a \(existing.crm.rawValue) account.")
        }
        let probe = connectors.probe(crm: crm, credentials: credentials, baseURL: baseURL)
        let identity: AccountIdentity
        do {
            identity = try await probe.verify(log: nil)
        } catch {
            throw ServiceError(.unprocessable, .accountVerificationFailed, "The \(crm.rawValue) account could not be verified: \(error.message)")
        }
        // Credentials for another portal or org would write this account's runs somewhere else.
        if let stored = existing.identity.flatMap({ try? JSONDecoder().decode(AccountIdentity.self, from: Data($0.utf8)) }),
            stored.accountId != identity.accountId
        {
            let kind = crm == .hubspot ? "HubSpot portal" : "Salesforce org"
            throw ServiceError(
                .unprocessable, .accountMismatch,
                "These credentials are for \(kind) \(identity.accountId), not this account's \(kind) \(stored.accountId); nothing was changed.")
        }
        do {
            try await repositories.accounts.updateAccountCredentials(id: accountId, sealed: try connectors.seal(credentials), status: .connected, now: Date())
            connectors.forget(accountId: accountId)
            let resumed = try await repositories.runs.resumeWaitingRuns(accountId: accountId, now: Date())
            logger.info("account reconnected", metadata: ["account": "\(accountId)", "resumedRuns": "\(resumed)"])
            return (try await account(id: accountId), resumed)
        } catch let error as ServiceError {
            throw error
        } catch {
            throw ServiceError(.unavailable, .storageFailed, "The account could not be stored.")
        }
    }

    /// Verifies `credentials` and stores a new account.
    public func store(crm: CRM, name: String, credentials: CRMCredentials, baseURL: String?, emulator: Bool) async throws(ServiceError) -> AccountRecord {
        let probe = connectors.probe(crm: crm, credentials: credentials, baseURL: baseURL)
        let identity: AccountIdentity
        do {
            identity = try await probe.verify(log: nil)
        } catch {
            logger.info("account verification failed", metadata: ["crm": "\(crm.rawValue)", "code": "\(error.code)"])
            throw ServiceError(.unprocessable, .accountVerificationFailed, "The \(crm.rawValue) account could not be verified: \(error.message)")
        }
        let now = Date()
        do {
            let record = AccountRecord(
                id: Identifier.make("acc"), crm: crm, name: name, status: .connected, baseURL: baseURL,
                sealedCredentials: try connectors.seal(credentials),
                identity: String(decoding: try JSONEncoder().encode(identity), as: UTF8.self), emulator: emulator, createdAt: now, updatedAt: now)
            try await repositories.accounts.insertAccount(record)
            logger.info("account connected", metadata: ["account": "\(record.id)", "crm": "\(crm.rawValue)"])
            return record
        } catch {
            throw ServiceError(.unavailable, .storageFailed, "The account could not be stored.")
        }
    }

    public func account(id: String) async throws(ServiceError) -> AccountRecord {
        guard let account = try? await repositories.accounts.account(id: id) else { throw .notFound("Account \(id)") }
        return account
    }

    /// The account's contact fields with their metadata.
    public func fields(accountId: String) async throws(ServiceError) -> [CRMField] {
        let account = try await account(id: accountId)
        do {
            return try await connectors.connector(for: account).contactFields(log: nil)
        } catch let error as CRMError {
            if error.code == .reconnectRequired { await connectors.markReconnectRequired(accountId: account.id) }
            throw ServiceError(.unavailable, .crmUnavailable, "The CRM could not list its fields: \(error.message)")
        } catch {
            throw ServiceError(.unavailable, .crmUnavailable, "The account's credentials could not be opened.")
        }
    }

    /// Deletes the account unless an action uses it, and ends its OAuth grant at the CRM (a CRM that
    /// cannot be reached then does not stop the disconnect).
    public func delete(accountId: String) async throws(ServiceError) {
        let existing = try await account(id: accountId)
        let connector = try? connectors.connector(for: existing)
        guard (try? await repositories.accounts.deleteAccount(id: accountId)) == true else {
            throw ServiceError(.conflict, .accountInUse, "Actions use this account; delete or move them first.")
        }
        connectors.forget(accountId: accountId)
        do {
            try await connector?.revokeGrant()
        } catch {
            logger.warning("could not revoke the grant of a deleted account", metadata: ["account": "\(accountId)", "code": "\(error.code)"])
        }
    }
}

extension AccountService {
    /// A page of accounts.
    public func page(limit: Int, cursor: String?) async throws(ServiceError) -> Page<AccountRecord> {
        do {
            return try await repositories.accounts.accounts(limit: limit, cursor: cursor)
        } catch RepositoryError.invalidCursor {
            throw ServiceError(.badRequest, .invalidRequest, "The cursor is not valid.")
        } catch {
            throw ServiceError(.unavailable, .storageFailed, "The database could not be reached.")
        }
    }
}
