import ArgumentParser
import CRMEmulators
import Foundation
import Logging

/// `contact-sync emulators`: serves the emulated HubSpot and Salesforce APIs.
struct EmulatorsCommand: ConfiguredCommand {
    static let configuration = CommandConfiguration(
        commandName: "emulators", abstract: "Serve the emulated HubSpot and Salesforce APIs.")

    @Option(help: "Address to listen on (env CONTACT_SYNC_HOST; default 127.0.0.1).") var host: String?
    @Option(name: .customLong("hubspot-port"), help: "HubSpot emulator port, 0 picks a free one (env CONTACT_SYNC_HUBSPOT_PORT; default 9101).")
    var hubspotPort: Int?
    @Option(name: .customLong("salesforce-port"), help: "Salesforce emulator port, 0 picks a free one (env CONTACT_SYNC_SALESFORCE_PORT; default 9102).")
    var salesforcePort: Int?
    @Option(name: .customLong("latency-ms"), help: "Latency added to every CRM request, in milliseconds (env CONTACT_SYNC_EMULATOR_LATENCY_MS).")
    var latencyMs: Int?
    @Flag(help: "Lift HubSpot's burst limit and Salesforce's daily limit, for benchmarks (env CONTACT_SYNC_EMULATOR_UNLIMITED=1).")
    var unlimited = false
    @OptionGroup var file: ConfigFileOption
    @OptionGroup var loops: EventLoopsOption

    var flags: Flags {
        var flags = Flags()
        flags.set(.host, host)
        flags.set(.hubspotPort, hubspotPort)
        flags.set(.salesforcePort, salesforcePort)
        flags.set(.latencyMs, latencyMs)
        flags.set(.unlimited, on: unlimited)
        flags.set(.configFile, file.configFile)
        flags.set(.eventLoops, loops.eventLoops)
        return flags
    }

    func run() async throws {
        let config = try await Config.load(flags: flags)
        let host = try config.required(.host, config.text)
        let latencyMs = try config.required(.latencyMs, config.wholeNumber)
        guard latencyMs >= 0 else { throw ValidationError("\(config.origin(of: .latencyMs)) must not be negative.") }
        let unlimited = try config.isOn(.unlimited)
        var logger = Logger(label: "contact-sync.emulators")
        logger.logLevel = .info
        let faults = EmulatorFaults(latencyMs: latencyMs)
        var hubspotConfiguration = HubSpotEmulator.Configuration()
        hubspotConfiguration.faults = faults
        if unlimited { hubspotConfiguration.burstLimit = 1_000_000 }
        let hubspot = try await HubSpotEmulator(configuration: hubspotConfiguration).start(host: host, port: config.required(.hubspotPort, config.wholeNumber), logger: logger)
        var salesforceConfiguration = SalesforceEmulator.Configuration()
        salesforceConfiguration.faults = faults
        if unlimited { salesforceConfiguration.dailyApiLimit = 100_000_000 }
        let salesforce = try await SalesforceEmulator(configuration: salesforceConfiguration)
            .start(host: host, port: config.required(.salesforcePort, config.wholeNumber), logger: logger)
        announce("HubSpot emulator listening on \(hubspot.baseURL)")
        announce("Salesforce emulator listening on \(salesforce.baseURL)")
        // SIGTERM or SIGINT ends the group; each emulator shuts down on the way out.
        try await config.stopSettings().run([EmulatorService(emulator: hubspot), EmulatorService(emulator: salesforce)], logger: logger)
    }
}
