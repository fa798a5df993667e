import AsyncHTTPClient
import ContactSyncCore
import ContactSyncMCP
import ContactSyncRuntime
import Foundation
import Hummingbird
import HummingbirdCore
import Logging
import Prometheus
import ServiceLifecycle

/// The contact-sync version reported by `/health`.
public let contactSyncVersion = "0.1.0"

/// Builds the server for `serve` and for tests: the services from the one composition root
/// (`Services.open`), wired to the routes.
public func buildApplication(configuration: AppConfiguration) async throws -> some ApplicationProtocol {
    let registry = PrometheusCollectorRegistry()
    let metricsFactory = PrometheusMetricsFactory(registry: registry)
    var settings = configuration.services
    settings.metrics = metricsFactory
    let services = try await Services.open(settings)
    do {
        return try await buildApplication(configuration: configuration, services: services, registry: registry, metricsFactory: metricsFactory)
    } catch {
        // The console's templates could not be read: the database is closed before the error is reported.
        try? await services.close()
        throw error
    }
}

private func buildApplication(
    configuration: AppConfiguration, services: Services, registry: PrometheusCollectorRegistry, metricsFactory: PrometheusMetricsFactory
) async throws -> some ApplicationProtocol {
    let logger = configuration.services.logger
    let now = configuration.services.now
    let emulatorURLs = configuration.services.emulatorURLs
    let oauth = OAuthSettings(
        hubspot: configuration.hubspotClient, salesforce: configuration.salesforceClient, publicURL: configuration.resolvedPublicURL,
        emulatorURLs: emulatorURLs)

    let router = Router(context: AppRequestContext.self)
    router.add(middleware: HTTPMetricsMiddleware(factory: metricsFactory))
    router.add(middleware: ErrorMiddleware())
    router.get("health") { _, _ in HealthView(status: "ok", version: contactSyncVersion) }
    router.get("openapi.yaml") { _, _ in
        Response(status: .ok, headers: [.contentType: "application/yaml"], body: .init(byteBuffer: ByteBuffer(string: OpenAPIDocument.yaml)))
    }
    let keys = VerifiedKeys(access: services.access, now: now)
    let failures = FailedAuthentications(logger: logger)
    let authentication = APIKeyMiddleware(authenticate: { await keys.caller($0) }, failures: failures)
    // Every /v1 route needs a key; what an agent key reaches is each group's scope.
    let v1 = router.group("v1").add(middleware: authentication)
    let admin = v1.group().add(middleware: CallerScope.admin)
    OperationsRoutes(activity: services.activity, registry: registry, metrics: services.metrics)
        .add(to: router, authenticated: router.group().add(middleware: authentication).add(middleware: CallerScope.admin))
    AccountRoutes(accounts: services.accounts, oauth: oauth, emulatorURLs: emulatorURLs).add(to: admin, root: router)
    ConfigurationRoutes(configuration: services.configuration).add(to: admin)
    let offline = services.offline
    ConversationRoutes(conversations: services.conversations, engine: services.engine, now: now, conversationEnded: { offline.wake() })
        .add(conversations: v1, runs: admin)
    let mcp = MCPEndpoint(
        configuration: services.configuration, conversations: services.conversations, engine: services.engine, publicURL: configuration.resolvedPublicURL,
        runView: { RunView(run: $0) }, logger: logger)
    AgentAccessRoutes(configuration: services.configuration, mcp: mcp).add(to: admin, mcp: v1.group().add(middleware: CallerScope.ownAgent))
    VoicePlatformRoutes(voice: services.voice, publicURL: configuration.resolvedPublicURL).add(to: admin, webhooks: router)
    Console(
        renderer: try await ConsoleRenderer.load(),
        sessions: ConsoleSessions(secrets: services.secrets, access: services.access, secure: oauth.isSecure, now: now),
        configuration: services.configuration, accounts: services.accounts, conversations: services.conversations, engine: services.engine,
        activity: services.activity, voice: services.voice, oauth: oauth, emulatorURLs: emulatorURLs, publicURL: configuration.resolvedPublicURL, now: now, logger: logger,
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
    // Services stop in reverse order: offline sync finishes or releases its batch before the database closes.
    for service in services.background { app.addServices(service) }
    return app
}

struct HealthView: ResponseEncodable {
    let status: String
    let version: String
}
