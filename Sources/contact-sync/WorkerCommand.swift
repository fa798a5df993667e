import ArgumentParser
import AsyncHTTPClient
import ContactSyncCore
import ContactSyncRuntime
import ContactSyncStore
import Foundation
import Logging
import ServiceLifecycle

/// `contact-sync worker`: carries out offline runs only, no HTTP; any number may run beside `serve` on one
/// PostgreSQL database.
struct WorkerCommand: ConfiguredCommand {
    static let configuration = CommandConfiguration(commandName: "worker", abstract: "Carry out offline runs (no HTTP); run any number beside serve on PostgreSQL.")

    @OptionGroup var database: DatabaseOptions
    @OptionGroup var file: ConfigFileOption

    @Option(name: .customLong("log-format"), help: "text or json (env CONTACT_SYNC_LOG_FORMAT).")
    var logFormat: LogFormat?
    @Option(name: .customLong("log-level"), help: "trace … critical (env LOG_LEVEL; default info).")
    var logLevel: String?
    @OptionGroup var loops: EventLoopsOption

    var flags: Flags {
        var flags = Flags()
        database.record(into: &flags)
        flags.set(.configFile, file.configFile)
        flags.set(.logFormat, logFormat?.rawValue)
        flags.set(.logLevel, logLevel)
        flags.set(.eventLoops, loops.eventLoops)
        return flags
    }

    func run() async throws {
        let config = try await Config.load(flags: flags)
        let logger = try LogFormat.logger(label: "contact-sync.worker", config: config)
        let data = try DatabaseSettings(config)
        // On SQLite one process owns the file: customer locks and kept configuration live in its memory.
        guard case .postgres = data.location else {
            throw StartFailure(reason: "a worker shares the work of serve on PostgreSQL (--database-url); on SQLite, serve carries out offline runs itself.")
        }
        var retry = RetryPolicy()
        if let attempts = try config.positive(.crmMaxAttempts) { retry.maxAttempts = attempts }
        let (modelSettings, offlineSettings, runSettings, stop) = (try config.modelSettings(), try config.offlineSettings(), try config.runSettings(), try config.stopSettings())
        let secretKey = try config.text(.secretKey)
        let store = try await Store.open(data.location, logger: logger, maxConnections: try config.required(.databasePoolSize, config.positive))
        let secrets: SecretBox
        do {
            try await store.migrate()
            secrets = try SecretBox.load(base64Key: secretKey, directory: data.dataDir)
        } catch {
            try? await store.close()
            throw data.startFailure(error)
        }
        let outbound = OutboundHTTPClient()
        let connectors = Connectors(store: store, secrets: secrets, client: outbound.client, logger: logger, retry: retry)
        let model = modelSettings.map { ModelExtractor(settings: $0, client: outbound.client, logger: logger) }
        let engine = RunEngine(store: store, connectors: connectors, logger: logger, settings: runSettings, model: model)
        let offline = OfflineSync(store: store, connectors: connectors, engine: engine, settings: offlineSettings, logger: logger)
        announce("contact-sync worker \(offline.owner) started")
        try await stop.run([StoreCloser(store: store), outbound, offline], logger: logger)
    }
}
