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
    static let configuration = CommandConfiguration(
        commandName: "serve", abstract: "Run contact-sync (REST API, OAuth callbacks, offline sync).", discussion: SettingFlags.help(for: "serve"))

    @OptionGroup var settings: SettingFlags

    func run() async throws {
        let config = try await config()
        let logger = try LogFormat.logger(label: "contact-sync", config: config)
        let data = try DatabaseSettings(config)
        var configuration = try config.applicationSettings(data, logger: logger)
        configuration.services.announce = { announce($0) }
        let (host, port) = (configuration.host, configuration.port)
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
struct MigrateCommand: ConfiguredCommand {
    static let configuration = CommandConfiguration(
        commandName: "migrate", abstract: "Create or upgrade the database schema.", discussion: SettingFlags.help(for: "migrate"))

    @OptionGroup var settings: SettingFlags

    func run() async throws {
        let data = try DatabaseSettings(try await config())
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
