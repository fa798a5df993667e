import ArgumentParser
import CRMEmulators
import Foundation
import Logging
import ServiceLifecycle

/// How long a stop may take: in-flight work gets `grace` to finish after SIGTERM or SIGINT, then it is
/// cancelled (its runs recorded as retryable or released) and the process exits.
struct StopSettings {
    var grace: Duration

    /// From `CONTACT_SYNC_SHUTDOWN_GRACE_SECONDS` (default 30).
    static func fromEnvironment() throws -> StopSettings {
        guard let text = environment("CONTACT_SYNC_SHUTDOWN_GRACE_SECONDS") else { return StopSettings(grace: .seconds(30)) }
        guard let seconds = Double(text), seconds >= 0, seconds <= 3_600 else {
            throw ValidationError("CONTACT_SYNC_SHUTDOWN_GRACE_SECONDS must be a number of seconds from 0 to 3600.")
        }
        return StopSettings(grace: .milliseconds(Int(seconds * 1000)))
    }

    /// Runs `services` until SIGTERM or SIGINT, stopping them in reverse order within the grace period.
    /// Work that ignores cancellation for a further 30 s ends the process.
    func run(_ services: [any Service], logger: Logger) async throws {
        var configuration = ServiceGroupConfiguration(services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
        configuration.maximumGracefulShutdownDuration = grace
        configuration.maximumCancellationDuration = .seconds(30)
        try await ServiceGroup(configuration: configuration).run()
    }
}

/// A built-in emulator as a Service: it stops after the services listed after it (which may still call it).
struct EmulatorService: Service {
    let emulator: RunningEmulator

    func run() async throws {
        try? await gracefulShutdown()
        await emulator.shutdown()
    }
}
