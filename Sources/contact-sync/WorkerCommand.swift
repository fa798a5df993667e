import ArgumentParser
import AsyncHTTPClient
import ContactSyncCore
import ContactSyncRuntime
import ContactSyncServer
import Foundation
import Logging
import ServiceLifecycle

/// `contact-sync worker`: carries out offline runs only, no HTTP; any number may run beside `serve` on one
/// PostgreSQL database.
struct WorkerCommand: ConfiguredCommand {
    static let configuration = CommandConfiguration(commandName: "worker", abstract: "Carry out offline runs (no API; metrics on --metrics-port); run any number beside serve on PostgreSQL.")

    @OptionGroup var database: DatabaseOptions
    @OptionGroup var file: ConfigFileOption

    @Option(name: .customLong("log-format"), help: "text or json (env CONTACT_SYNC_LOG_FORMAT).")
    var logFormat: LogFormat?
    @Option(name: .customLong("log-level"), help: "trace … critical (env LOG_LEVEL; default info).")
    var logLevel: String?
    @OptionGroup var loops: EventLoopsOption
    @Option(help: "Address the metrics listen on (env CONTACT_SYNC_HOST).") var host: String?
    @Option(name: .customLong("metrics-port"), help: "Serve metrics and /health on this port (env CONTACT_SYNC_METRICS_PORT).") var metricsPort: Int?

    var flags: Flags {
        var flags = Flags()
        database.record(into: &flags)
        flags.set(.configFile, file.configFile)
        flags.set(.logFormat, logFormat?.rawValue)
        flags.set(.logLevel, logLevel)
        flags.set(.eventLoops, loops.eventLoops)
        flags.set(.host, host)
        flags.set(.metricsPort, metricsPort)
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
        let metrics = WorkerMetrics()
        settings.metrics = metrics.factory
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
        if let port = try config.wholeNumber(.metricsPort) {
            let host = try config.required(.host, config.text)
            group.insert(metrics.application(host: host, port: port, services: services, logger: logger), at: 0)
            announce("contact-sync worker metrics at http://\(host):\(port)/metrics")
        }
        try await stop.run(group, logger: logger)
    }
}
