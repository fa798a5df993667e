import AsyncHTTPClient
import ContactSyncCRM
import ContactSyncCore
import ContactSyncStore
import CoreMetrics
import Foundation
import Logging
import ServiceLifecycle

/// Every service of one contact-sync process, built in one place (the composition root): `serve`, `worker`
/// and the tests all start here, so what one process does cannot drift from another.
public struct Services: Sendable {
    /// What the services are built from.
    public struct Settings: Sendable {
        public var database: StoreLocation
        /// Where the SQLite file and the key file live.
        public var dataDirectory: String
        /// PostgreSQL connections this process opens at most.
        public var databasePoolSize = 10
        /// The secret key (base64); without it, the key file in the data directory.
        public var secretKey: String?
        /// Whether this process keeps the admin key: stores `apiKey` (revoking any other), or on a first start
        /// without one generates a key and hands it to `announce`. Workers leave keys alone.
        public var managesAdminKey = true
        public var apiKey: String?
        /// Receives lines meant for the operator (a generated API key).
        public var announce: @Sendable (String) -> Void = { _ in }
        public var logger = Logger(label: "contact-sync")
        /// The client for calls to CRMs and the model.
        public var httpClient: HTTPClient = .shared
        /// Where the built-in emulators run, when they do.
        public var emulatorURLs: [CRM: String] = [:]
        /// How CRM calls are retried.
        public var crmRetry = RetryPolicy()
        /// Runs: how long they wait for each other, their leases, how failed ones are tried again.
        public var runs = RunEngine.Settings()
        /// Offline sync: how often it polls, how much it claims, its lease.
        public var offline = OfflineSync.Settings()
        /// Whether this process carries out offline runs.
        public var runsOfflineSync = true
        /// The OpenAI-compatible model for agents in `model` extraction mode, when configured.
        public var model: ModelExtractor.Settings?
        /// How long a text conversation may be idle before it ends.
        public var textIdleSeconds = 600
        /// The longest conversation message accepted, in characters.
        public var maxMessageCharacters = ConversationService.defaultMaxMessageCharacters
        /// Whether this process purges old messages and run inputs, and after how many days.
        public var runsRetention = true
        public var retentionDays = 90
        /// Where metrics go.
        public var metrics: any MetricsFactory = NOOPMetricsHandler.instance
        /// The clock; tests move it instead of waiting.
        public var now: @Sendable () -> Date = { Date() }

        public init(database: StoreLocation, dataDirectory: String) {
            self.database = database
            self.dataDirectory = dataDirectory
        }
    }

    /// Every repository over the database, with the SQLite cache and in-memory locks chosen for it.
    public let repositories: Repositories
    public let secrets: SecretBox
    public let access: AccessService
    public let connectors: Connectors
    public let accounts: AccountService
    public let configuration: ConfigurationService
    public let conversations: ConversationService
    public let engine: RunEngine
    public let offline: OfflineSync
    public let activity: ActivityService
    /// Voice platforms' webhooks and connections.
    public let voice: VoiceWebhooks
    public let metrics: RunMetrics
    /// What runs beside the requests, in start order (they stop in reverse): closing the database (last),
    /// retention, and offline sync when this process carries it out.
    public let background: [any Service]

    /// Opens and migrates the database, loads the secret key, keeps the admin key, and builds the services.
    /// The database is closed again when any of that fails.
    public static func open(_ settings: Settings) async throws -> Services {
        let store = try await Store.open(settings.database, logger: settings.logger, maxConnections: settings.databasePoolSize)
        do {
            try await store.migrate()
            let secrets = try SecretBox.load(base64Key: settings.secretKey, directory: settings.dataDirectory)
            return try await Services(store: store, secrets: secrets, settings: settings)
        } catch {
            try? await store.close()
            throw error
        }
    }

    private init(store: Store, secrets: SecretBox, settings: Settings) async throws {
        let (logger, now) = (settings.logger, settings.now)
        let repositories = Repositories(store)
        self.repositories = repositories
        self.secrets = secrets
        access = AccessService(keys: repositories.access, keyDigest: secrets.keyDigest, now: now)
        if settings.managesAdminKey, let generated = try await access.ensureAdminKey(settings.apiKey) {
            settings.announce("Generated an API key (shown once, stored hashed): \(generated)")
        }
        metrics = RunMetrics(factory: settings.metrics)
        connectors = Connectors(
            repositories: repositories, secrets: secrets, client: settings.httpClient, logger: logger, emulatorURLs: settings.emulatorURLs, retry: settings.crmRetry,
            metrics: metrics)
        accounts = AccountService(repositories: repositories, connectors: connectors, client: settings.httpClient, logger: logger)
        configuration = ConfigurationService(repositories: repositories, accounts: accounts, keyDigest: secrets.keyDigest)
        conversations = ConversationService(
            repositories: repositories, textIdleSeconds: settings.textIdleSeconds, maxMessageCharacters: settings.maxMessageCharacters, now: now)
        engine = RunEngine(
            repositories: repositories, connectors: connectors, logger: logger, settings: settings.runs,
            model: settings.model.map { ModelExtractor(settings: $0, client: settings.httpClient, logger: logger) }, metrics: metrics, now: now)
        offline = OfflineSync(repositories: repositories, engine: engine, settings: settings.offline, logger: logger, now: now)
        activity = ActivityService(repositories: repositories, now: now)
        let offline = self.offline
        voice = VoiceWebhooks(
            repositories: repositories, secrets: secrets, conversations: conversations, logger: logger, now: now, conversationEnded: { offline.wake() })
        var background: [any Service] = [StoreCloser(store: store)]
        if settings.runsRetention { background.append(Retention(repositories: repositories, days: settings.retentionDays, logger: logger, now: now)) }
        if settings.runsOfflineSync { background.append(offline) }
        self.background = background
    }

    /// Closes the database, for callers that do not run the background services.
    public func close() async throws {
        try await repositories.store.close()
    }
}
