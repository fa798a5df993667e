import ContactSyncCRM
import ContactSyncCore
import ContactSyncStore
import Foundation

/// Where OAuth sends users and how contact-sync identifies itself.
public struct OAuthSettings: Sendable {
    public var hubspot: OAuthClientSettings?
    public var salesforce: OAuthClientSettings?
    /// contact-sync's public URL; callbacks are `<publicURL>/oauth/{crm}/callback`.
    public var publicURL: String
    /// The built-in emulators, which accept any client.
    public var emulatorURLs: [CRM: String]

    public init(hubspot: OAuthClientSettings?, salesforce: OAuthClientSettings?, publicURL: String, emulatorURLs: [CRM: String]) {
        self.hubspot = hubspot
        self.salesforce = salesforce
        self.publicURL = publicURL
        self.emulatorURLs = emulatorURLs
    }

    func redirectURI(_ crm: CRM) -> String { "\(publicURL)/oauth/\(crm.rawValue)/callback" }

    /// Whether contact-sync is served over https (its cookies are then `Secure`).
    public var isSecure: Bool { publicURL.hasPrefix("https:") }

    /// The client to use: the configured one, or for an emulator a stand-in.
    public func client(_ crm: CRM, emulator: Bool) -> OAuthClientSettings? {
        let configured = crm == .hubspot ? hubspot : salesforce
        return configured ?? (emulator ? OAuthClientSettings(clientId: "contact-sync-emulator", clientSecret: "emulator-secret") : nil)
    }
}

extension AccountService {
    /// How long an authorization may take, from its start to the callback.
    public static let authorizationLifetime: TimeInterval = 600

    /// An authorization under way: the CRM page to send the user to, its state, and the binding the user's
    /// browser keeps (in a cookie) and must bring back to the callback.
    public struct Authorization: Sendable {
        public let url: String
        public let state: String
        public let binding: String
    }

    /// Starts an authorization: remembers its state, PKCE verifier and the digest of a fresh browser binding,
    /// and returns where to send the user. With `accountId`, the authorization reconnects that account
    /// instead of creating one.
    public func authorize(crm: CRM, name: String, emulator: Bool, sandbox: Bool, loginURL: String?, accountId: String? = nil, settings: OAuthSettings)
        async throws(ServiceError) -> Authorization
    {
        if let accountId {
            guard try await account(id: accountId).crm == crm else {
                throw ServiceError(.unprocessable, .crmMismatch, "Account \(accountId) is not a \(crm.rawValue) account.")
            }
        }
        let emulatorURL = settings.emulatorURLs[crm]
        if emulator && emulatorURL == nil {
            throw ServiceError(.unprocessable, .emulatorUnavailable, "The built-in emulators are not running (--no-emulators).")
        }
        guard let client = settings.client(crm, emulator: emulator) else {
            throw ServiceError(
                .unprocessable, .oauthNotConfigured,
                "Set \(crm == .hubspot ? "HUBSPOT" : "SALESFORCE")_CLIENT_ID and _CLIENT_SECRET to connect \(crm.rawValue) with OAuth.")
        }
        let state = Identifier.make("st")
        let binding = PKCE.verifier()
        let verifier = PKCE.verifier()
        let login: String? = crm == .salesforce
            ? (emulator ? emulatorURL : (loginURL ?? (sandbox ? "https://test.salesforce.com" : "https://login.salesforce.com"))) : nil
        do {
            try await access.insertOAuthState(AccessRepository.OAuthState(
                state: state, crm: crm.rawValue, name: name, codeVerifier: verifier, loginURL: login, emulator: emulator, createdAt: Date(),
                accountId: accountId, bindingDigest: Digests.sha256(binding)))
        } catch {
            throw ServiceError(.unavailable, .storageFailed, "The authorization could not be started.")
        }
        let challenge = PKCE.challenge(for: verifier)
        let url = switch crm {
        case .hubspot:
            HubSpotOAuth.authorizeURL(
                authorizeBase: emulator ? emulatorURL! : "https://app.hubspot.com", clientId: client.clientId,
                redirectURI: settings.redirectURI(.hubspot), scopes: ["oauth", "crm.objects.contacts.read", "crm.objects.contacts.write", "crm.schemas.contacts.read"],
                state: state, codeChallenge: challenge)
        case .salesforce:
            SalesforceOAuth.authorizeURL(
                loginURL: login!, clientId: client.clientId, redirectURI: settings.redirectURI(.salesforce), state: state, codeChallenge: challenge)
        }
        return Authorization(url: url, state: state, binding: binding)
    }

    /// Finishes an authorization: checks the state (once, within 10 minutes, from the browser that started
    /// it: `binding`), exchanges the code, verifies and stores the account, or reconnects the account the
    /// authorization was started for (`reconnected`).
    public func finishAuthorization(crm: CRM, code: String, state: String, binding: String?, settings: OAuthSettings)
        async throws(ServiceError) -> (account: AccountRecord, reconnected: Bool)
    {
        guard let binding, let pending = try? await access.takeOAuthState(state, bindingDigest: Digests.sha256(binding)), pending.crm == crm.rawValue,
            Date().timeIntervalSince(pending.createdAt) < Self.authorizationLifetime
        else {
            throw ServiceError(
                .badRequest, .invalidState, "The authorization is unknown, used, expired or was started in another browser; start again.")
        }
        guard let client = settings.client(crm, emulator: pending.emulator) else {
            throw ServiceError(.unprocessable, .oauthNotConfigured, "OAuth is not configured for \(crm.rawValue).")
        }
        if pending.emulator && settings.emulatorURLs[crm] == nil {
            throw ServiceError(.unprocessable, .emulatorUnavailable, "The built-in emulators are not running (--no-emulators); start again.")
        }
        let exchange = OAuthExchange(client: self.client, logger: logger)
        let credentials: CRMCredentials
        let baseURL: String?
        do {
            switch crm {
            case .hubspot:
                let api = pending.emulator ? settings.emulatorURLs[.hubspot] ?? "" : "https://api.hubapi.com"
                baseURL = pending.emulator ? api : nil
                credentials = try await exchange.hubspot(
                    code: code, redirectURI: settings.redirectURI(.hubspot), clientId: client.clientId, clientSecret: client.clientSecret,
                    codeVerifier: pending.codeVerifier, apiBaseURL: api)
            case .salesforce:
                credentials = try await exchange.salesforce(
                    code: code, redirectURI: settings.redirectURI(.salesforce), clientId: client.clientId, clientSecret: client.clientSecret,
                    codeVerifier: pending.codeVerifier, loginURL: pending.loginURL ?? "https://login.salesforce.com")
                baseURL = credentials.instanceURL
            }
        } catch {
            throw ServiceError(.unprocessable, .accountVerificationFailed, "The \(crm.rawValue) authorization failed: \(error.message)")
        }
        if let accountId = pending.accountId {
            return (try await reconnect(accountId: accountId, crm: crm, credentials: credentials, baseURL: baseURL).account, true)
        }
        return (try await store(crm: crm, name: pending.name, credentials: credentials, baseURL: baseURL, emulator: pending.emulator), false)
    }
}
