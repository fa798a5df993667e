import AsyncHTTPClient
import ContactSyncCRM
import ContactSyncCore
import ContactSyncStore
import Foundation
import Logging
import Synchronization

/// Builds and keeps one connector per account, opening its sealed credentials, persisting renewed ones
/// (sealed again), and marking the account `reconnect_required` when its grant is gone.
public final class Connectors: Sendable {
    private let repositories: Repositories
    private let secrets: SecretBox
    private let client: HTTPClient
    private let logger: Logger
    /// One connector per account, with the sealed credentials it was built from: credentials changed in the
    /// database (a reconnect on any instance) mean a new connector. Read without a hop to another executor:
    /// every run asks for its connector.
    private let cache = Mutex<[String: (connector: any CRMConnector, sealed: Data)]>([:])
    /// Where the built-in emulators run now; emulator accounts follow them across restarts.
    private let emulatorURLs: [CRM: String]
    /// Settings applied to every connector (timeouts, retries).
    private let retry: RetryPolicy
    private let metrics: RunMetrics
    private let timeout: Duration

    public init(
        repositories: Repositories, secrets: SecretBox, client: HTTPClient, logger: Logger, emulatorURLs: [CRM: String] = [:],
        retry: RetryPolicy = RetryPolicy(), timeout: Duration = .seconds(30), metrics: RunMetrics = .none
    ) {
        self.metrics = metrics
        self.retry = retry
        self.timeout = timeout
        self.emulatorURLs = emulatorURLs
        self.repositories = repositories
        self.secrets = secrets
        self.client = client
        self.logger = logger
    }

    /// The connector for a stored account.
    public func connector(for account: AccountRecord) throws -> any CRMConnector {
        if let known = cache.withLock({ $0[account.id] }), known.sealed == account.sealedCredentials { return known.connector }
        var credentials = try self.credentials(of: account)
        var baseURL = account.baseURL
        if account.emulator, let current = emulatorURLs[account.crm] {
            baseURL = current
            if account.crm == .salesforce { (credentials.instanceURL, credentials.loginURL) = (current, current) }
        }
        let connector = makeConnector(crm: account.crm, credentials: credentials, baseURL: baseURL, accountId: account.id)
        if let stored = account.identity, let identity = try? JSONDecoder().decode(AccountIdentity.self, from: Data(stored.utf8)) {
            connector.prime(identity: identity)
        }
        cache.withLock { $0[account.id] = (connector, account.sealedCredentials) }
        return connector
    }

    /// A connector for credentials not stored yet (to verify them before an account is created).
    public func probe(crm: CRM, credentials: CRMCredentials, baseURL: String?) -> any CRMConnector {
        makeConnector(crm: crm, credentials: credentials, baseURL: baseURL, accountId: nil)
    }

    /// Forgets an account's connector (after a reconnect or a delete).
    public func forget(accountId: String) {
        _ = cache.withLock { $0.removeValue(forKey: accountId) }
    }

    /// Remembers the credentials a connector renewed itself, so that it is kept.
    private func renewed(accountId: String, sealed: Data) {
        cache.withLock { cache in
            if let known = cache[accountId] { cache[accountId] = (known.connector, sealed) }
        }
    }

    /// An account's stored credentials, opened.
    public func credentials(of account: AccountRecord) throws -> CRMCredentials {
        try JSONDecoder().decode(CRMCredentials.self, from: try secrets.open(account.sealedCredentials))
    }

    /// Seals credentials for storage.
    public func seal(_ credentials: CRMCredentials) throws -> Data {
        try secrets.seal(try JSONEncoder().encode(credentials))
    }

    /// Marks the account as needing a new connection, unless its credentials changed since this instance's
    /// connector was built (a reconnect is not undone by a failure seen with the old ones).
    public func markReconnectRequired(accountId: String) async {
        do {
            try await repositories.accounts.updateAccountStatus(id: accountId, status: .reconnectRequired, now: Date(), ifCredentials: cache.withLock { $0[accountId]?.sealed })
            logger.warning("account needs reconnecting", metadata: ["account": "\(accountId)"])
        } catch {
            logger.error("could not mark account", metadata: ["account": "\(accountId)", "error": "\(error)"])
        }
        forget(accountId: accountId)
    }

    private func makeConnector(crm: CRM, credentials: CRMCredentials, baseURL: String?, accountId: String?) -> any CRMConnector {
        let persist: @Sendable (CRMCredentials) async -> Void = { [repositories, secrets, logger] renewed in
            guard let accountId else { return }
            do {
                let sealed = try secrets.seal(try JSONEncoder().encode(renewed))
                try await repositories.accounts.updateAccountCredentials(id: accountId, sealed: sealed, status: .connected, now: Date())
                self.renewed(accountId: accountId, sealed: sealed)
                logger.info("account credentials renewed", metadata: ["account": "\(accountId)"])
            } catch {
                logger.error("could not persist renewed credentials", metadata: ["account": "\(accountId)", "error": "\(error)"])
            }
        }
        switch crm {
        case .hubspot:
            var settings = HubSpotConnector.Settings()
            if let baseURL { settings.baseURL = baseURL }
            settings.retry = retry
            settings.timeout = timeout
            settings.observer = metrics.crmObserver(.hubspot)
            return HubSpotConnector(client: client, credentials: credentials, settings: settings, logger: logger, onCredentialsRenewed: persist)
        case .salesforce:
            var settings = SalesforceConnector.Settings()
            settings.retry = retry
            settings.timeout = timeout
            settings.observer = metrics.crmObserver(.salesforce)
            return SalesforceConnector(client: client, credentials: credentials, settings: settings, logger: logger, onCredentialsRenewed: persist)
        }
    }
}
