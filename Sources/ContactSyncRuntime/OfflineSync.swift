import ContactSyncCore
import ContactSyncStore
import Foundation
import Logging
import ServiceLifecycle
import Synchronization

/// Offline sync (DESIGN §2.3): turns ended conversations into offline runs and carries due runs out in
/// per-account batches. Due work lives in the database, so it survives restarts and is shared by every
/// instance on the same PostgreSQL; each claimed run is leased, and a crashed worker's runs are claimed
/// again when their lease expires.
public struct OfflineSync: Service {
    public struct Settings: Sendable {
        /// How often to look for due work when there is none.
        public var pollInterval: Duration = .milliseconds(250)
        /// Conversations dispatched per pass.
        public var dispatchLimit = 2_000
        /// Runs claimed per pass.
        public var claimLimit = 1_000
        /// How long a claim lasts before another worker may take the run.
        public var lease: TimeInterval = 120
        /// Attempts before a retryable failure is final.
        public var maxAttempts = 8

        public init() {}
    }

    let store: Store
    let batch: OfflineBatch
    let settings: Settings
    let logger: Logger
    let now: @Sendable () -> Date
    /// This worker's name in leases.
    public let owner = Store.newId("worker")
    private let signal = WakeSignal()

    public init(store: Store, connectors: Connectors, engine: RunEngine, settings: Settings = Settings(), logger: Logger, now: @escaping @Sendable () -> Date = { Date() }) {
        self.store = store
        self.settings = settings
        self.logger = logger
        self.now = now
        self.batch = OfflineBatch(store: store, connectors: connectors, engine: engine, logger: logger, now: now, maxAttempts: settings.maxAttempts)
    }

    /// Asks the loop to look for work now (a conversation just ended).
    public func wake() { signal.fire() }

    public func run() async throws {
        logger.info("offline sync started", metadata: ["worker": "\(owner)"])
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            let worked: Int
            do {
                worked = try await tick()
            } catch {
                logger.error("offline sync pass failed", metadata: ["error": "\(type(of: error))"])
                worked = 0
            }
            if worked == 0 {
                await signal.wait(upTo: settings.pollInterval)
            }
        }
        logger.info("offline sync stopped", metadata: ["worker": "\(owner)"])
    }

    /// One pass: dispatches ended conversations, then claims and carries out due runs. Returns how many
    /// runs it finished or rescheduled.
    @discardableResult
    public func tick() async throws -> Int {
        let time = now()
        if try await store.hasEndedConversations(now: time) {
            let targets = try await store.offlineTargets()
            while try await store.dispatchEndedConversations(now: time, limit: settings.dispatchLimit, targets: targets) == settings.dispatchLimit {}
        }
        let claimed = try await store.claimOfflineRuns(owner: owner, now: time, leaseUntil: time.addingTimeInterval(settings.lease), limit: settings.claimLimit)
        guard !claimed.isEmpty else { return 0 }
        var byAccount: [String: [RunRecord]] = [:]
        for run in claimed { byAccount[run.accountId ?? "", default: []].append(run) }
        let heartbeat = Task { [store, owner, settings, now] in
            let ids = claimed.map(\.id)
            while !Task.isCancelled {
                try? await Task.sleep(for: .milliseconds(Int(settings.lease * 1000 / 3)))
                if Task.isCancelled { break }
                try? await store.extendLeases(ids: ids, owner: owner, until: now().addingTimeInterval(settings.lease))
            }
        }
        let outcomes = await withTaskGroup(of: [OfflineBatch.Outcome].self) { group in
            for (accountId, runs) in byAccount {
                group.addTask { await batch.execute(runs, accountId: accountId) }
            }
            var all: [OfflineBatch.Outcome] = []
            for await outcome in group { all += outcome }
            return all
        }
        heartbeat.cancel()
        // A batch cut short by a stop is due again at once, on this instance's restart or another's.
        let stopping = Task.isCancelled
        let due = stopping ? outcomes.map { ($0.run, $0.retryAt.map { _ in now() }) } : outcomes
        try await shielded { [store, owner] in try await store.finishOfflineRuns(due, owner: owner) }
        logger.info("offline runs carried out", metadata: [
            "claimed": "\(claimed.count)", "accounts": "\(byAccount.count)",
            "succeeded": "\(outcomes.filter { $0.run.status == .succeeded && $0.retryAt == nil }.count)",
            "retrying": "\(outcomes.filter { $0.retryAt != nil }.count)",
        ])
        return outcomes.count
    }
}

/// Wakes a sleeping loop early.
final class WakeSignal: Sendable {
    private let fired = Mutex(false)

    func fire() { fired.withLock { $0 = true } }

    /// Returns after `duration`, or within a few milliseconds of being fired (at once if fired since the
    /// last wait), or when the task is cancelled.
    func wait(upTo duration: Duration) async {
        let clock = ContinuousClock()
        let deadline = clock.now + duration
        while clock.now < deadline && !Task.isCancelled && !Task.isShuttingDownGracefully {
            if fired.withLock({ let was = $0; $0 = false; return was }) { return }
            try? await Task.sleep(for: .milliseconds(20))
        }
    }
}
