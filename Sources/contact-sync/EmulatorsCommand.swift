import ArgumentParser
import CRMEmulators
import Foundation
import Logging

/// `contact-sync emulators`: serves the emulated HubSpot and Salesforce APIs.
struct EmulatorsCommand: ConfiguredCommand {
    static let configuration = CommandConfiguration(
        commandName: "emulators", abstract: "Serve the emulated HubSpot and Salesforce APIs.", discussion: SettingFlags.help(for: "emulators"))

    @OptionGroup var settings: SettingFlags

    func run() async throws {
        let config = try await config()
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
