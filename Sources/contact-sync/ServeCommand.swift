import ArgumentParser
import CRMEmulators
import ContactSyncCore
import ContactSyncRuntime
import ContactSyncServer
import ContactSyncStore
import Foundation
import Hummingbird
import Logging

/// `contact-sync serve`: the REST API, on SQLite with the emulators by default.
struct ServeCommand: ConfiguredCommand {
    static let configuration = CommandConfiguration(commandName: "serve", abstract: "Run contact-sync (REST API, OAuth callbacks, offline sync).")

    @Option(help: "Address to listen on (env CONTACT_SYNC_HOST).") var host: String?
    @Option(help: "Port to listen on (env CONTACT_SYNC_PORT).") var port: Int?
    @OptionGroup var database: DatabaseOptions
    @OptionGroup var file: ConfigFileOption
    @Option(name: .customLong("text-idle-seconds"), help: "A text conversation ends this long after its last message (env CONTACT_SYNC_TEXT_IDLE_SECONDS).")
    var textIdleSeconds: Int?
    @Flag(name: .customLong("no-emulators"), help: "Do not start the built-in emulated CRMs (env CONTACT_SYNC_NO_EMULATORS=1).")
    var noEmulators = false
    @Option(name: .customLong("public-url"), help: "The URL users reach contact-sync at, for OAuth callbacks (env CONTACT_SYNC_PUBLIC_URL).")
    var publicURL: String?
    @Option(name: .customLong("log-format"), help: "text or json (env CONTACT_SYNC_LOG_FORMAT).")
    var logFormat: LogFormat?
    @Option(name: .customLong("log-level"), help: "trace … critical (env LOG_LEVEL; default info).")
    var logLevel: String?

    @Option(name: .customLong("retention-days"), help: "Purge messages and run inputs older than this (env CONTACT_SYNC_RETENTION_DAYS; default 90).")
    var retentionDays: Int?

    @Flag(name: .customLong("no-offline-sync"), help: "Serve the API only; leave offline runs to workers (env CONTACT_SYNC_NO_OFFLINE_SYNC=1).")
    var noOfflineSync = false

    @OptionGroup var loops: EventLoopsOption

    /// What the command line gave, the first layer of the configuration.
    var flags: Flags {
        var flags = Flags()
        flags.set(.host, host)
        flags.set(.port, port)
        database.record(into: &flags)
        flags.set(.configFile, file.configFile)
        flags.set(.textIdleSeconds, textIdleSeconds)
        flags.set(.noEmulators, on: noEmulators)
        flags.set(.publicURL, publicURL)
        flags.set(.logFormat, logFormat?.rawValue)
        flags.set(.logLevel, logLevel)
        flags.set(.retentionDays, retentionDays)
        flags.set(.noOfflineSync, on: noOfflineSync)
        flags.set(.eventLoops, loops.eventLoops)
        return flags
    }

    func run() async throws {
        let config = try await Config.load(flags: flags)
        let logger = try LogFormat.logger(label: "contact-sync", config: config)
        let host = try config.required(.host, config.text)
        let port = try config.required(.port, config.wholeNumber)
        let data = try DatabaseSettings(config)

        var configuration = AppConfiguration(database: data.location, dataDirectory: data.dataDir)
        configuration.services = try config.servicesSettings(data, logger: logger)
        configuration.host = host
        configuration.port = port
        configuration.publicURL = try config.text(.publicURL)
        configuration.hubspotClient = try config.oauthClient(id: .hubspotClientId, secret: .hubspotClientSecret)
        configuration.salesforceClient = try config.oauthClient(id: .salesforceClientId, secret: .salesforceClientSecret)
        configuration.services.textIdleSeconds = try config.required(.textIdleSeconds, config.positive)
        configuration.services.apiKey = try config.text(.apiKey)
        configuration.services.announce = { announce($0) }
        configuration.services.runsOfflineSync = try !config.isOn(.noOfflineSync)
        configuration.services.retentionDays = try config.required(.retentionDays, config.positive)
        configuration.services.maxMessageCharacters = try config.required(.maxMessageCharacters, config.positive)
        configuration.connections = try config.connectionLimits()
        let stop = try config.stopSettings()

        var emulators: [RunningEmulator] = []
        if try !config.isOn(.noEmulators) {
            var quiet = logger
            quiet.logLevel = .warning
            // The emulators' OAuth sends codes only to this instance's own callbacks.
            let callbacks = { (crm: CRM) in Set(["\(configuration.publicURL ?? "http://\(host):\(port)")/oauth/\(crm.rawValue)/callback"]) }
            var hubspotSettings = HubSpotEmulator.Configuration()
            hubspotSettings.redirectURIs = callbacks(.hubspot)
            var salesforceSettings = SalesforceEmulator.Configuration()
            salesforceSettings.redirectURIs = callbacks(.salesforce)
            let hubspot = try await HubSpotEmulator(configuration: hubspotSettings).start(host: "127.0.0.1", port: 0, logger: quiet)
            let salesforce = try await SalesforceEmulator(configuration: salesforceSettings).start(host: "127.0.0.1", port: 0, logger: quiet)
            emulators = [hubspot, salesforce]
            configuration.services.emulatorURLs = [.hubspot: hubspot.baseURL, .salesforce: salesforce.baseURL]
            announce(
                "The built-in emulated CRMs are running, for trying and testing: HubSpot at \(hubspot.baseURL), Salesforce at \(salesforce.baseURL)."
                    + " Turn them off with --no-emulators (CONTACT_SYNC_NO_EMULATORS=1).")
        }
        let outbound = OutboundHTTPClient()
        configuration.services.httpClient = outbound.client
        let app = try await build(configuration, outbound, data)
        announce("contact-sync listening on http://\(host):\(port)")
        // Stopped in reverse: the application (and its offline runs), then the outbound client, then the emulators.
        try await stop.run(emulators.map(EmulatorService.init) + [outbound, app], logger: logger)
    }

    /// Builds the application; when that fails, the outbound client is shut down before the error is thrown.
    private func build(_ configuration: AppConfiguration, _ outbound: OutboundHTTPClient, _ data: DatabaseSettings) async throws -> some ApplicationProtocol {
        do {
            return try await buildApplication(configuration: configuration)
        } catch {
            try? await outbound.client.shutdown()
            throw data.startFailure(error)
        }
    }
}

/// `contact-sync migrate`: applies the schema and exits.
struct MigrateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "migrate", abstract: "Create or upgrade the database schema.")

    @OptionGroup var database: DatabaseOptions
    @OptionGroup var file: ConfigFileOption

    func run() async throws {
        var flags = Flags()
        database.record(into: &flags)
        flags.set(.configFile, file.configFile)
        let data = try DatabaseSettings(try await Config.load(flags: flags))
        let store = try await ContactSyncStore.Store.open(data.location, logger: Logger(label: "contact-sync.migrate"))
        do {
            try await store.migrate()
            announce("Schema at version \(try await store.schemaVersion())")
        } catch {
            try? await store.close()
            throw data.startFailure(error)
        }
        try await store.close()
    }
}
