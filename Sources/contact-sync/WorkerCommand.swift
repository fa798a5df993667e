import ArgumentParser
import AsyncHTTPClient
import ContactSyncCore
import ContactSyncRuntime
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
        let stop = try config.stopSettings()
        var settings = try config.servicesSettings(data, logger: logger)
        settings.managesAdminKey = false
        settings.runsRetention = false
        settings.runsOfflineSync = true
        let outbound = OutboundHTTPClient()
        settings.httpClient = outbound.client
        let services: Services
        do {
            services = try await Services.open(settings)
        } catch {
            try? await outbound.client.shutdown()
            throw data.startFailure(error)
        }
        let offline = services.offline
        announce("contact-sync worker \(offline.owner) started")
        // Stopped in reverse: offline sync finishes or releases its batch, then the outbound client, then the database.
        var group = services.background
        group.insert(outbound, at: 1)
        try await stop.run(group, logger: logger)
    }
}
