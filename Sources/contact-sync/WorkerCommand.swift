import ArgumentParser
import AsyncHTTPClient
import ContactSyncRuntime
import ContactSyncStore
import Foundation
import Logging
import ServiceLifecycle

/// `contact-sync worker`: carries out offline runs only, no HTTP; any number may run beside `serve` on one
/// PostgreSQL database.
struct WorkerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "worker", abstract: "Carry out offline runs (no HTTP); run any number beside serve.")

    @OptionGroup var database: DatabaseOptions

    @Option(name: .customLong("log-format"), help: "text or json (env CONTACT_SYNC_LOG_FORMAT).")
    var logFormat: LogFormat?

    func run() async throws {
        let logger = try LogFormat.logger(label: "contact-sync.worker", format: logFormat)
        let store = try await Store.open(database.location, logger: logger)
        try await store.migrate()
        let secrets = try SecretBox.load(base64Key: environment("CONTACT_SYNC_SECRET_KEY"), directory: database.resolvedDataDir)
        let connectors = Connectors(store: store, secrets: secrets, client: .shared, logger: logger)
        let model = try modelSettings().map { ModelExtractor(settings: $0, client: .shared, logger: logger) }
        let engine = RunEngine(store: store, connectors: connectors, logger: logger, model: model)
        let offline = OfflineSync(store: store, connectors: connectors, engine: engine, settings: try offlineSettings(), logger: logger)
        announce("contact-sync worker \(offline.owner) started")
        try await StopSettings.fromEnvironment().run([StoreCloser(store: store), offline], logger: logger)
    }
}
