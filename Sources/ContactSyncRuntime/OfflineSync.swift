import ContactSyncCore
import ContactSyncStore
import Foundation
import Logging
import NIOCore
import NIOPosix
import ServiceLifecycle
import Synchronization

/// Offline sync (ARCHITECTURE §4): turns ended conversations into offline runs and carries due runs out in
/// per-account batches through the run pipeline. Due work lives in the database, so it survives restarts
/// and is shared by every instance on the same PostgreSQL; each claimed run is leased, and a crashed
/// worker's runs are claimed again when their lease expires. Accounts are carried out independently: a
/// slow or failing account never holds up the others.
public struct OfflineSync: Service {
    public struct Settings: Sendable {
        /// How often to look for due work when there is none. A conversation known to end sooner is dispatched
        /// at its end.
        public var pollInterval: Duration = .milliseconds(250)
        /// Conversations dispatched per pass: as many as a pass claims, so that the first batch of a burst
        /// starts as soon as its runs exist.
        public var dispatchLimit = 600
        /// Runs claimed per pass: whole CRM batches for both CRMs (HubSpot takes 100 inputs a call,
        /// Salesforce 200), and small enough that several batches of an account are under way at once.
        public var claimLimit = 600
        /// Batches of one account a worker carries out at once: the next are read, and their customers
        /// locked, while the ones before wait on the CRM's rate limit, so that calls are ready as the
        /// limit's window frees up.
        public var batchesPerAccount = 3
        /// How long a claim lasts before another worker may take the run.
        public var lease: TimeInterval = 120
        public init() {}
    }

    let repositories: Repositories
    let engine: RunEngine
    let settings: Settings
    let logger: Logger
    let now: @Sendable () -> Date
    /// The loops batches are carried out on, each on the next in turn.
    let loops: any EventLoopGroup
    /// This worker's name in leases.
    public let owner = Identifier.make("worker")
    private let signal = WakeSignal()
    private let state = WorkerState()

    /// `loops`: the event loops batches are carried out on (by default the process's own group).
    public init(
        repositories: Repositories, engine: RunEngine, settings: Settings = Settings(), logger: Logger,
        now: @escaping @Sendable () -> Date = { Date() }, loops: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton
    ) {
        self.repositories = repositories
        self.loops = loops
        self.settings = settings
        self.logger = logger
        self.now = now
        self.engine = engine
    }

    /// Asks the loop to look for work now (a conversation just ended).
    public func wake() { signal.fire() }

    public func run() async throws {
        logger.info("offline sync started", metadata: ["worker": "\(owner)"])
        await withDiscardingTaskGroup { group in
            while !Task.isShuttingDownGracefully && !Task.isCancelled {
                var started = 0
                var dispatchOn = false
                var idle = settings.pollInterval
                do {
                    let due = try await claimDue()
                    dispatchOn = due.dispatchOn
                    if let nextEnd = due.nextEnd {
                        idle = min(idle, max(Self.shortestWait, .seconds(nextEnd.timeIntervalSince(now()))))
                    }
                    for (accountId, runs) in due.batches {
                        started += 1
                        group.addTask(executorPreference: EventLoopExecutor(loops.next())) {
                            await repositories.store.keepingOpen { await carryOut(runs, accountId: accountId) }
                            state.finished(accountId)
                            signal.fire()
                        }
                    }
                } catch {
                    logger.error("offline sync pass failed", metadata: ["error": "\(type(of: error))"])
                }
                if started == 0 && !dispatchOn { await signal.wait(upTo: idle) }
            }
        }
        logger.info("offline sync stopped", metadata: ["worker": "\(owner)"])
    }

    /// One pass, waiting for it to finish: dispatches ended conversations, claims due runs and carries
    /// them out. Returns how many runs it finished or rescheduled.
    @discardableResult
    public func tick() async throws -> Int {
        let claimed = try await claimDue()
        return await withTaskGroup(of: Int.self) { group in
            for (accountId, runs) in claimed.batches {
                group.addTask(executorPreference: EventLoopExecutor(loops.next())) {
                    await repositories.store.keepingOpen { await carryOut(runs, accountId: accountId) }
                    state.finished(accountId)
                    return runs.count
                }
            }
            return await group.reduce(0, +)
        }
    }

    /// What one pass found: the batches it claimed, by account, and when the next pass is due.
    private struct Due {
        var batches: [String: [RunRecord]] = [:]
        /// More conversations have ended than one pass dispatches, and no account is at its batches. While
        /// one is, further runs could not be claimed yet, and dispatching them at once would only hold the
        /// database from the batches under way (the first of a burst among them): the rest then follows a
        /// batch's end, or the poll.
        var dispatchOn = false
        /// When the next conversation not dispatched yet ends, if it has not ended.
        var nextEnd: Date?
    }

    /// The shortest wait for a conversation's end: one due in a moment is dispatched a moment late, rather than
    /// looked for again and again.
    static let shortestWait = Duration.milliseconds(10)

    /// Dispatches ended conversations and claims due runs (those of a process that died included) of
    /// accounts with fewer than `batchesPerAccount` batches under way here, counting the new batches.
    private func claimDue() async throws -> Due {
        let time = now()
        var due = Due()
        let nextEnd = try await repositories.conversations.nextConversationEnd()
        if let nextEnd, nextEnd > time {
            due.nextEnd = nextEnd
        } else if nextEnd != nil {
            let targets = try await repositories.configuration.offlineTargets()
            // One chunk a pass, so that the first runs go out while the rest of a burst is dispatched.
            due.dispatchOn = try await repositories.conversations.dispatchEndedConversations(now: time, limit: settings.dispatchLimit, targets: targets) == settings.dispatchLimit
        }
        let excluded = state.busy.withLock { busy in busy.filter { $0.value >= settings.batchesPerAccount }.map(\.key) }
        if !excluded.isEmpty { due.dispatchOn = false }
        let claimed = try await repositories.runs.claimDueRuns(
            owner: owner, now: time, leaseUntil: time.addingTimeInterval(settings.lease), limit: settings.claimLimit, excludingAccounts: excluded)
        for run in claimed { due.batches[run.accountId ?? "", default: []].append(run) }
        state.busy.withLock { busy in for accountId in due.batches.keys { busy[accountId, default: 0] += 1 } }
        return due
    }

    /// Carries out one account's claimed runs as a batch, keeping their leases alive meanwhile; writes
    /// stop as soon as the lease can no longer be vouched for.
    private func carryOut(_ runs: [RunRecord], accountId: String) async {
        let fence = LeaseFence(validUntil: now().addingTimeInterval(settings.lease), margin: settings.lease / 3)
        let lock = CustomerLock(process: engine.pipeline.process, lifetime: settings.lease)
        let ids = runs.map(\.id)
        let renewal = engine.renewals.renewing(runs: { ids }, owner: owner, lock: lock, lease: settings.lease, lockLifetime: settings.lease, fence: fence)
        logger.debug("offline batch started", metadata: ["account": "\(accountId)", "runs": "\(ids.joined(separator: ","))"])
        var outcomes: [RunRecord] = []
        var pass: PipelinePass?
        do {
            let actions = Dictionary(uniqueKeysWithValues: try await repositories.configuration.actionsForRun(ids: Array(Set(runs.map(\.actionId)))).map { ($0.action.id, $0.action) })
            let conversations = try await repositories.conversations.conversations(ids: runs.compactMap(\.conversationId))
            var entries: [PipelineRun] = []
            for run in runs {
                guard let action = actions[run.actionId], let template = Template.named(action.template) else {
                    var failed = run
                    failed.status = .failed
                    failed.result = RunResult(error: .actionNotFound)
                    failed.finishedAt = now()
                    outcomes.append(engine.schedule(.finished(failed)))
                    continue
                }
                guard action.accountId == accountId else {
                    // The action moved to another account since the run was claimed: due again at once, there.
                    var moved = run
                    moved.accountId = action.accountId
                    outcomes.append(engine.schedule(.deferred(moved, until: now())))
                    continue
                }
                entries.append(PipelineRun(run: run, action: action, template: template, conversation: run.conversationId.flatMap { conversations[$0] }))
            }
            let done = await engine.pipeline.execute(entries, accountId: accountId, lock: lock, mayWrite: { [now] in fence.allows(at: now()) })
            pass = done
            outcomes += done.outcomes.map(engine.schedule)
        } catch {
            logger.error("offline batch could not be read", metadata: ["account": "\(accountId)", "error": "\(type(of: error))"])
            outcomes = runs.map { RetrySchedule.due($0, at: now().addingTimeInterval(engine.settings.retryBackoff.delay(after: $0.attempts).seconds)) }
        }
        renewal.cancel()
        // A batch cut short by a stop is due again at once, on this instance's restart or another's.
        if Task.isCancelled { outcomes = outcomes.map { $0.status == .pending ? RetrySchedule.due($0, at: now()) : $0 } }
        do {
            try await engine.save(outcomes, pass: pass, owner: owner)
        } catch {
            logger.error("offline runs could not be saved; their leases will lapse and they run again", metadata: ["account": "\(accountId)"])
        }
        logger.debug("offline batch ended", metadata: ["account": "\(accountId)", "runs": "\(ids.joined(separator: ","))"])
        logger.info("offline runs carried out", metadata: [
            "account": "\(accountId)", "runs": "\(runs.count)",
            "retrying": "\(outcomes.filter { $0.status == .pending }.count)",
        ])
    }

}

/// What a worker's passes share: how many batches of each account are under way.
final class WorkerState: Sendable {
    let busy = Mutex<[String: Int]>([:])

    /// One of the account's batches has ended.
    func finished(_ accountId: String) {
        busy.withLock { busy in
            busy[accountId, default: 1] -= 1
            if busy[accountId] == 0 { busy[accountId] = nil }
        }
    }
}

/// Whether a worker may still write under its lease: valid while the lease, renewed by ``Renewals``,
/// has more than `margin` left.
final class LeaseFence: Sendable {
    private let validUntil: Mutex<Date>
    private let margin: TimeInterval

    init(validUntil: Date, margin: TimeInterval) {
        self.validUntil = Mutex(validUntil)
        self.margin = margin
    }

    func extend(to date: Date) { validUntil.withLock { $0 = max($0, date) } }

    func allows(at now: Date) -> Bool { validUntil.withLock { $0.timeIntervalSince(now) > margin } }
}
