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
    static let configuration = CommandConfiguration(
        commandName: "worker", abstract: "Carry out offline runs (no API; metrics on --metrics-port); run any number beside serve on PostgreSQL.",
        discussion: SettingFlags.help(for: "worker"))

    @OptionGroup var settings: SettingFlags

    func run() async throws {
        let config = try await config()
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
