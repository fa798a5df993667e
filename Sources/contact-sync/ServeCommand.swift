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
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "serve", abstract: "Run contact-sync (REST API, OAuth callbacks, offline sync).")

    @Option(help: "Address to listen on (env CONTACT_SYNC_HOST).") var host: String?
    @Option(help: "Port to listen on (env CONTACT_SYNC_PORT).") var port: Int?
    @OptionGroup var database: DatabaseOptions
    @Option(name: .customLong("text-idle-seconds"), help: "A text conversation ends this long after its last message (env CONTACT_SYNC_TEXT_IDLE_SECONDS).")
    var textIdleSeconds: Int?
    @Flag(name: .customLong("no-emulators"), help: "Do not start the built-in emulated CRMs (env CONTACT_SYNC_NO_EMULATORS=1).")
    var noEmulators = false
    @Option(name: .customLong("public-url"), help: "The URL users reach contact-sync at, for OAuth callbacks (env CONTACT_SYNC_PUBLIC_URL).")
    var publicURL: String?
    @Option(name: .customLong("log-format"), help: "text or json (env CONTACT_SYNC_LOG_FORMAT).")
    var logFormat: LogFormat?

    @Option(name: .customLong("retention-days"), help: "Purge messages and run inputs older than this (env CONTACT_SYNC_RETENTION_DAYS; default 90).")
    var retentionDays: Int?

    @Flag(name: .customLong("no-offline-sync"), help: "Serve the API only; leave offline runs to workers (env CONTACT_SYNC_NO_OFFLINE_SYNC=1).")
    var noOfflineSync = false

    func run() async throws {
        let logger = try LogFormat.logger(label: "contact-sync", format: logFormat)
        let host = self.host ?? environment("CONTACT_SYNC_HOST") ?? "127.0.0.1"
        let port = try self.port ?? environment("CONTACT_SYNC_PORT").map(Self.number) ?? 8080
        let idle = try textIdleSeconds ?? environment("CONTACT_SYNC_TEXT_IDLE_SECONDS").map(Self.number) ?? 600
        guard idle > 0 else { throw ValidationError("--text-idle-seconds must be positive.") }

        var configuration = AppConfiguration(database: database.location, dataDirectory: database.resolvedDataDir)
        configuration.host = host
        configuration.port = port
        configuration.textIdleSeconds = idle
        configuration.publicURL = publicURL ?? environment("CONTACT_SYNC_PUBLIC_URL")
        configuration.apiKey = environment("CONTACT_SYNC_API_KEY")
        configuration.secretKey = environment("CONTACT_SYNC_SECRET_KEY")
        configuration.hubspotClient = Self.client("HUBSPOT")
        configuration.salesforceClient = Self.client("SALESFORCE")
        configuration.announce = { announce($0) }
        configuration.logger = logger
        configuration.runsOfflineSync = !(noOfflineSync || environment("CONTACT_SYNC_NO_OFFLINE_SYNC") == "1")
        configuration.offline = try offlineSettings()
        configuration.model = try modelSettings()
        let retention = try retentionDays ?? environment("CONTACT_SYNC_RETENTION_DAYS").map(Self.number) ?? 90
        guard retention > 0 else { throw ValidationError("--retention-days must be positive.") }
        configuration.retentionDays = retention
        if let attempts = try environment("CONTACT_SYNC_CRM_MAX_ATTEMPTS").map(Self.number) {
            guard attempts > 0 else { throw ValidationError("CONTACT_SYNC_CRM_MAX_ATTEMPTS must be positive.") }
            configuration.crmRetry.maxAttempts = attempts
        }
        let stop = try StopSettings.fromEnvironment()

        var emulators: [RunningEmulator] = []
        if !(noEmulators || environment("CONTACT_SYNC_NO_EMULATORS") == "1") {
            var quiet = logger
            quiet.logLevel = .warning
            let hubspot = try await HubSpotEmulator().start(host: "127.0.0.1", port: 0, logger: quiet)
            let salesforce = try await SalesforceEmulator().start(host: "127.0.0.1", port: 0, logger: quiet)
            emulators = [hubspot, salesforce]
            configuration.emulatorURLs = [.hubspot: hubspot.baseURL, .salesforce: salesforce.baseURL]
            announce("Emulated HubSpot at \(hubspot.baseURL), emulated Salesforce at \(salesforce.baseURL)")
        }
        let app = try await buildApplication(configuration: configuration)
        announce("contact-sync listening on http://\(host):\(port)")
        try await stop.run(emulators.map(EmulatorService.init) + [app], logger: logger)
    }

    static func number(_ text: String) throws -> Int {
        guard let value = Int(text) else { throw ValidationError("'\(text)' is not a whole number.") }
        return value
    }

    static func client(_ prefix: String) -> OAuthClientSettings? {
        guard let id = environment("\(prefix)_CLIENT_ID"), let secret = environment("\(prefix)_CLIENT_SECRET") else { return nil }
        return OAuthClientSettings(clientId: id, clientSecret: secret)
    }
}

/// `contact-sync migrate`: applies the schema and exits.
struct MigrateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "migrate", abstract: "Create or upgrade the database schema.")

    @OptionGroup var database: DatabaseOptions

    func run() async throws {
        let store = try await ContactSyncStore.Store.open(database.location, logger: Logger(label: "contact-sync.migrate"))
        try await store.migrate()
        announce("Schema at version \(try await store.schemaVersion())")
        try await store.close()
    }
}
