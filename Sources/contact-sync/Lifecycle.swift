import ArgumentParser
import CRMEmulators
import Foundation
import Logging
import ServiceLifecycle

/// How long a stop may take: in-flight work gets `grace` to finish after SIGTERM or SIGINT, then it is
/// cancelled (its runs recorded as retryable or released) and the process exits. From
/// `Config.stopSettings()` (`CONTACT_SYNC_SHUTDOWN_GRACE_SECONDS`, default 30).
struct StopSettings {
    var grace: Duration

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
