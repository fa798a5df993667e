import ContactSyncStore
import Foundation
import Logging
import ServiceLifecycle

/// Purges conversation messages and run inputs older than the retention period, at start and then hourly.
public struct Retention: Service {
    let repositories: Repositories
    let days: Int
    let logger: Logger
    let now: @Sendable () -> Date

    public init(repositories: Repositories, days: Int, logger: Logger, now: @escaping @Sendable () -> Date = { Date() }) {
        self.repositories = repositories
        self.days = days
        self.logger = logger
        self.now = now
    }

    /// One purge now.
    @discardableResult
    public func purge() async throws -> (messages: Int, runInputs: Int) {
        let purged = try await repositories.retention.purge(before: now().addingTimeInterval(-Double(days) * 86_400))
        if purged.messages + purged.runInputs > 0 {
            logger.info("purged old data", metadata: ["messages": "\(purged.messages)", "run_inputs": "\(purged.runInputs)", "retention_days": "\(days)"])
        }
        return purged
    }

    public func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                do { try await purge() } catch { logger.warning("purge failed", metadata: ["error": "\(type(of: error))"]) }
                try? await Task.sleep(for: .seconds(3600))
            }
        }
    }
}
