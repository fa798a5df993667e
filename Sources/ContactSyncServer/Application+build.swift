import AsyncHTTPClient
import ContactSyncCore
import ContactSyncMCP
import ContactSyncRuntime
import ContactSyncStore
import Foundation
import Hummingbird
import HummingbirdCore
import Logging
import Prometheus
import ServiceLifecycle

/// The contact-sync version reported by `/health`.
public let contactSyncVersion = "0.1.0"

/// Builds the server for `serve` and for tests: opens and migrates the store, loads the secret key,
/// makes sure an API key exists, and wires the services to the routes.
public func buildApplication(configuration: AppConfiguration) async throws -> some ApplicationProtocol {
    let store = try await Store.open(configuration.database, logger: configuration.logger, maxConnections: configuration.databasePoolSize)
    do {
        return try await buildApplication(configuration: configuration, store: store)
    } catch {
        // An unreachable database or a bad key file: the pool is closed before the error is reported.
        try? await store.close()
        throw error
    }
}

private func buildApplication(configuration: AppConfiguration, store: Store) async throws -> some ApplicationProtocol {
    let logger = configuration.logger
    try await store.migrate()
    let secrets = try SecretBox.load(base64Key: configuration.secretKey, directory: configuration.dataDirectory)
    let keyDigest = secrets.keyDigest
    try await ensureAPIKey(store: store, digest: keyDigest, configuration: configuration)

    let outbound = configuration.httpClient
    let registry = PrometheusCollectorRegistry()
    let metricsFactory = PrometheusMetricsFactory(registry: registry)
    let metrics = RunMetrics(factory: metricsFactory)
    let connectors = Connectors(
        store: store, secrets: secrets, client: outbound, logger: logger, emulatorURLs: configuration.emulatorURLs, retry: configuration.crmRetry,
        metrics: metrics)
    let accounts = AccountService(store: store, connectors: connectors, client: outbound, logger: logger)
    let settings = ConfigurationService(store: store, accounts: accounts, keyDigest: keyDigest)
    let oauth = OAuthSettings(
        hubspot: configuration.hubspotClient, salesforce: configuration.salesforceClient, publicURL: configuration.resolvedPublicURL,
        emulatorURLs: configuration.emulatorURLs)

    let router = Router(context: AppRequestContext.self)
    router.add(middleware: HTTPMetricsMiddleware(factory: metricsFactory))
    router.add(middleware: ErrorMiddleware())
    router.get("health") { _, _ in HealthView(status: "ok", version: contactSyncVersion) }
    router.get("openapi.yaml") { _, _ in
        Response(status: .ok, headers: [.contentType: "application/yaml"], body: .init(byteBuffer: ByteBuffer(string: OpenAPIDocument.yaml)))
    }
    let keys = VerifiedKeys(store: store, digest: keyDigest, now: configuration.now)
    let failures = FailedAuthentications(logger: logger)
    let authentication = APIKeyMiddleware(authenticate: { await keys.caller($0) }, failures: failures)
    let v1 = router.group("v1").add(middleware: authentication)
    OperationsRoutes(store: store, registry: registry, metrics: metrics, now: configuration.now)
        .add(to: router, authenticated: router.group().add(middleware: authentication))
    AccountRoutes(accounts: accounts, oauth: oauth, emulatorURLs: configuration.emulatorURLs).add(to: v1, root: router)
    ConfigurationRoutes(configuration: settings).add(to: v1)
    let now = configuration.now
    let conversations = ConversationService(
        store: store, textIdleSeconds: configuration.textIdleSeconds, maxMessageCharacters: configuration.maxMessageCharacters, now: now)
    let engine = RunEngine(
        store: store, connectors: connectors, logger: logger, settings: configuration.runs,
        model: configuration.model.map { ModelExtractor(settings: $0, client: outbound, logger: logger) }, metrics: metrics, now: now)
    let offline = OfflineSync(store: store, connectors: connectors, engine: engine, settings: configuration.offline, logger: logger, now: now)
    ConversationRoutes(conversations: conversations, engine: engine, now: now, conversationEnded: { offline.wake() }).add(to: v1)
    let mcp = MCPEndpoint(
        configuration: settings, conversations: conversations, engine: engine, publicURL: configuration.resolvedPublicURL,
        runView: { RunView(run: $0) }, logger: logger)
    AgentAccessRoutes(configuration: settings, mcp: mcp).add(to: v1)
    Console(
        renderer: try await ConsoleRenderer.load(),
        sessions: ConsoleSessions(secrets: secrets, keyDigest: keyDigest, store: store, secure: configuration.resolvedPublicURL.hasPrefix("https:"), now: now),
        configuration: settings, accounts: accounts, conversations: conversations, engine: engine, store: store, oauth: oauth,
        emulatorURLs: configuration.emulatorURLs, publicURL: configuration.resolvedPublicURL, now: now, logger: logger,
        failures: failures
    ).add(to: router)

    let onServerRunning = configuration.onServerRunning
    let port = configuration.port
    let limits = configuration.connections
    var app = Application(
        router: router, server: limits.server(),
        configuration: .init(
            address: .hostname(configuration.host, port: configuration.port), serverName: "contact-sync",
            availableConnectionsDelegate: MaximumAvailableConnections(limits.servedConnections, logger: logger)),
        onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? port) },
        logger: logger)
    // Services stop in reverse order: offline sync finishes or releases its batch before the store closes.
    app.addServices(StoreCloser(store: store))
    app.addServices(Retention(store: store, days: configuration.retentionDays, logger: logger, now: now))
    if configuration.runsOfflineSync { app.addServices(offline) }
    return app
}

/// Stores `CONTACT_SYNC_API_KEY`'s hash, or on a first start without it generates a key and announces it once.
func ensureAPIKey(store: Store, digest: KeyDigest, configuration: AppConfiguration) async throws {
    if let key = configuration.apiKey, !key.isEmpty {
        try await store.replaceAPIKeys(with: key, digest: digest, now: Date())
    } else if try await !store.hasAPIKeys() {
        let key = Identifier.make("csk")
        try await store.addAPIKey(key, digest: digest, now: Date())
        configuration.announce("Generated an API key (shown once, stored hashed): \(key)")
    }
}

struct HealthView: ResponseEncodable {
    let status: String
    let version: String
}

/// Tells who a key belongs to. An admin key found valid is trusted for `trust` without asking the database
/// again, so a key replaced on another instance sharing the database stops working here within that time;
/// agent keys are looked up each time, so a deleted one stops working at once.
actor VerifiedKeys {
    /// How long a verified admin key is trusted without asking the database.
    static let trust: TimeInterval = 5

    let store: Store
    let digest: KeyDigest
    let now: @Sendable () -> Date
    private var known: [String: Date] = [:]

    init(store: Store, digest: KeyDigest, now: @escaping @Sendable () -> Date = { Date() }) {
        self.store = store
        self.digest = digest
        self.now = now
    }

    func caller(_ key: String) async -> Caller? {
        let stored = digest(key)
        let time = now()
        if let verified = known[stored], time.timeIntervalSince(verified) < Self.trust { return .admin }
        known[stored] = nil
        if (try? await store.isValid(apiKey: key, digest: digest)) == true {
            known[stored] = time
            return .admin
        }
        return (try? await store.agent(forKey: key, digest: digest)).flatMap { $0 }.map(Caller.agent)
    }
}
