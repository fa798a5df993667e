import ArgumentParser
import CRMEmulators
import Foundation
import Logging

/// `contact-sync emulators`: serves the emulated HubSpot and Salesforce APIs.
struct EmulatorsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "emulators", abstract: "Serve the emulated HubSpot and Salesforce APIs.")

    @Option(help: "Address to listen on.") var host = "127.0.0.1"
    @Option(name: .customLong("hubspot-port"), help: "HubSpot emulator port (0 picks a free one).") var hubspotPort = 9101
    @Option(name: .customLong("salesforce-port"), help: "Salesforce emulator port (0 picks a free one).") var salesforcePort = 9102
    @Option(name: .customLong("latency-ms"), help: "Latency added to every CRM request, in milliseconds.") var latencyMs = 0
    @Flag(help: "Lift HubSpot's burst limit and Salesforce's daily limit (for benchmarks).") var unlimited = false

    func run() async throws {
        var logger = Logger(label: "contact-sync.emulators")
        logger.logLevel = .info
        let faults = EmulatorFaults(latencyMs: latencyMs)
        var hubspotConfiguration = HubSpotEmulator.Configuration()
        hubspotConfiguration.faults = faults
        if unlimited { hubspotConfiguration.burstLimit = 1_000_000 }
        let hubspot = try await HubSpotEmulator(configuration: hubspotConfiguration).start(host: host, port: hubspotPort, logger: logger)
        var salesforceConfiguration = SalesforceEmulator.Configuration()
        salesforceConfiguration.faults = faults
        if unlimited { salesforceConfiguration.dailyApiLimit = 100_000_000 }
        let salesforce = try await SalesforceEmulator(configuration: salesforceConfiguration)
            .start(host: host, port: salesforcePort, logger: logger)
        announce("HubSpot emulator listening on \(hubspot.baseURL)")
        announce("Salesforce emulator listening on \(salesforce.baseURL)")
        // SIGTERM or SIGINT ends the group; each emulator shuts down on the way out.
        try await StopSettings.fromEnvironment().run([EmulatorService(emulator: hubspot), EmulatorService(emulator: salesforce)], logger: logger)
    }
}
