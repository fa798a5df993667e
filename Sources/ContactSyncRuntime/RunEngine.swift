import ContactSyncCRM
import ContactSyncCore
import ContactSyncStore
import Foundation
import Logging
import Synchronization

/// Executes runs (ARCHITECTURE §3): Core prepares and decides, the connector acts, the store records.
public struct RunEngine: Sendable {
    /// What to run.
    public struct Request: Sendable, Hashable {
        public var actionId: String
        public var conversationId: String?
        public var input: RunInput
        public var dryRun: Bool
        public var idempotencyKey: String?
        public var trigger: RunTrigger
        /// The id the run gets if this request makes one (nil: a new id each time it is run): an answer with
        /// another id is an earlier run's, whose idempotency key this request repeated.
        public var runId: String?
        /// For a tool call: the tool called. Its action, read again because it changed since it was read, must
        /// still be that tool (an enabled in-conversation action of that name), or the run fails with
        /// `tool_not_offered` before it writes.
        public var toolName: String?
        /// For a tool call through an agent's endpoint: the agent, as read for runs (perhaps from memory). Read
        /// again because it changed since, it must still have the action, or the run fails with
        /// `tool_not_offered` before it writes.
        public var agentId: String?

        public init(
            actionId: String, conversationId: String?, input: RunInput, dryRun: Bool = false, idempotencyKey: String? = nil, trigger: RunTrigger = .inConversation,
            runId: String? = nil, toolName: String? = nil, agentId: String? = nil
        ) {
            self.actionId = actionId
            self.conversationId = conversationId
            self.input = input
            self.dryRun = dryRun
            self.idempotencyKey = idempotencyKey
            self.trigger = trigger
            self.runId = runId
            self.toolName = toolName
            self.agentId = agentId
        }

        /// Identifies the request behind an idempotency key.
        var hash: String { Idempotency.requestDigest(actionId: actionId, conversationId: conversationId, input: input, dryRun: dryRun) }
    }

    let repositories: Repositories
    let connectors: Connectors
    let logger: Logger
    let now: @Sendable () -> Date
    let pipeline: RunPipeline
    /// Renews the leases and customer locks of the runs and batches under way.
    let renewals: Renewals
    let settings: Settings
    /// This engine's name in the leases of the runs it carries out.
    public let owner = Identifier.make("engine")
    /// Wakes requests waiting on a run this process is carrying out.
    let completions = RunCompletions()

    /// How long runs wait for each other and for a busy customer, and how failed runs are tried again.
    public struct Settings: Sendable {
        /// How long a request repeating an in-flight Idempotency-Key waits for the first run's result.
        public var idempotentWait: Duration = .seconds(30)
        /// How long an in-conversation run waits for its customer's turn (another run of the same customer)
        /// before it is left to complete in the background.
        public var customerWait: Duration = .seconds(30)
        /// How long a running run is held by its process without renewal: it is renewed every third of it
        /// while the run works, and once it passes (the process died) any instance takes the run over.
        public var runLease: TimeInterval = 15
        /// How long a customer's write lock outlives a holder that died; renewed with the run's lease.
        public var lockLifetime: TimeInterval = 15
        /// How long a run that failed for a transient cause keeps being tried again in the background,
        /// counted from its first failed try since it could run; 0: it fails at once, for an operator's retry.
        public var retryWindow: TimeInterval = 24 * 3600
        /// The wait between tries of a run that failed for a transient cause.
        public var retryBackoff = Backoff(base: .seconds(2), max: .seconds(300))

        public init() {}
    }

    /// `model` answers for agents in `model` extraction mode; without it their runs use the rules alone.
    public init(
        repositories: Repositories, connectors: Connectors, logger: Logger, settings: Settings = Settings(), model: ModelExtractor? = nil,
        metrics: RunMetrics = .none, now: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.repositories = repositories
        self.connectors = connectors
        self.logger = logger
        self.now = now
        self.settings = settings
        self.renewals = Renewals(repositories: repositories, now: now)
        self.pipeline = RunPipeline(
            repositories: repositories, connectors: connectors, logger: logger, now: now, intelligence: ConversationIntelligence(repositories: repositories, model: model, logger: logger),
            metrics: metrics)
    }

    /// How often a wait on another instance's work looks again.
    static let recheck = Backoff(base: .milliseconds(25), max: .seconds(1))

    /// Runs an action now, synchronously. With an idempotency key, a repeated request answers the first
    /// run (waiting for it while it is still running, carrying it on when its process died); the same key
    /// with a different request is refused. `known` is the action when the caller has just read it.
    public func run(_ request: Request, action known: Action? = nil) async throws(ServiceError) -> RunRecord {
        // Read as runs read it: from memory when kept, checked against the stored version as the run opens.
        let read = known?.id == request.actionId ? known : try await attempt { try await repositories.configuration.actionForRun(id: request.actionId) }?.action
        guard let action = read else { throw .notFound("Action \(request.actionId)") }
        guard let template = Template.named(action.template) else {
            throw ServiceError(.unprocessable, .invalidAction, "The action's template '\(action.template)' is unknown.")
        }
        var conversation: Conversation?
        if let id = request.conversationId {
            conversation = try await attempt { try await repositories.conversations.conversation(id: id) }
            guard conversation != nil else { throw ServiceError(.notFound, .conversationNotFound, "Conversation \(id) was not found.") }
        }
        let start = now()
        let run = RunRecord(
            id: request.runId ?? Identifier.make("run"), actionId: action.id, conversationId: request.conversationId, trigger: request.trigger, status: .running,
            dryRun: request.dryRun, input: request.input, idempotencyKey: request.idempotencyKey,
            requestHash: request.idempotencyKey == nil ? nil : request.hash, attempts: 1, createdAt: start, startedAt: start,
            accountId: action.accountId)
        // Stored as its pass opens, with the customer's lock: a key used before conflicts on its unique index
        // there, and that run is the answer.
        var entry = PipelineRun(run: run, action: action, template: template, conversation: conversation)
        entry.stored = false
        entry.lease = (owner, start.addingTimeInterval(settings.runLease))
        entry.offeredBy = request.agentId
        return try await carryOut(entry, request: request)
    }

    /// The run an idempotency key was used for, when the request is the same: once it has finished or is
    /// pending, or as it stands after a bounded wait; an error when it differs. A first run whose process
    /// died (its lease passed) is taken over and carried on by this request.
    private func previous(_ request: Request, carryOn entry: (RunRecord) -> PipelineRun) async throws(ServiceError) -> RunRecord? {
        guard let key = request.idempotencyKey else { return nil }
        let deadline = ContinuousClock.now + settings.idempotentWait
        var looks = 0
        while true {
            guard let existing = try await attempt({ try await repositories.runs.run(actionId: request.actionId, idempotencyKey: key) }) else { return nil }
            guard existing.requestHash == request.hash else {
                throw ServiceError(.unprocessable, .idempotencyKeyMismatch, "This Idempotency-Key was used with a different request.")
            }
            guard existing.status == .running else { return existing }
            let time = now()
            if let taken = try await attempt({ try await repositories.runs.takeOver(runId: existing.id, owner: owner, now: time, leaseUntil: time.addingTimeInterval(settings.runLease)) }) {
                logger.warning("run taken over from a process that died", metadata: ["run_id": "\(taken.id)"])
                return try await carryOut(entry(taken))
            }
            let left = deadline - ContinuousClock.now
            if left <= .zero || Task.isCancelled { return existing }
            // Woken as soon as this process saves the run; another instance's run is looked at again with backoff.
            looks += 1
            await completions.wait(for: existing.id, upTo: min(left, Self.recheck.delay(after: looks)))
        }
    }

    /// Runs a failed run again with its original input. Of concurrent retries of one run, one carries
    /// it out; the others answer `not_retryable`.
    public func retry(runId: String) async throws(ServiceError) -> RunRecord {
        guard let current = try await attempt({ try await repositories.runs.run(id: runId) }) else { throw .notFound("Run \(runId)") }
        guard current.status == .failed || current.status == .waitingForAccount else {
            throw ServiceError(.conflict, .notRetryable, "Only failed runs can be retried; this one is \(current.status.rawValue).")
        }
        guard let stored = try await attempt({ try await repositories.configuration.action(id: current.actionId) }), let template = Template.named(stored.action.template) else {
            throw ServiceError(.conflict, .notRetryable, "The run's action no longer exists.")
        }
        let conversation = try await attempt { try await current.conversationId.asyncMap { try await repositories.conversations.conversation(id: $0) } } ?? nil
        let time = now()
        guard let claimed = try await attempt({ try await repositories.runs.claimRetry(runId: runId, owner: owner, now: time, leaseUntil: time.addingTimeInterval(settings.runLease)) }) else {
            throw ServiceError(.conflict, .notRetryable, "The run is being retried already.")
        }
        // The attempt starts from what the run already wrote: a record id is never lost to a later failure.
        var attempt = claimed
        attempt.result = current.result
        return try await carryOut(PipelineRun(run: attempt, action: stored.action, template: template, conversation: conversation))
    }

    /// Carries one run through the pipeline under its lease, renewed while it works, and saves it. The run
    /// waits for its customer's turn until its deadline (another instance's hold is looked at again with
    /// backoff); a run that cannot finish by then, or fails for a transient cause, is answered `pending`
    /// and completes in the background. The save completes even when the request is cancelled.
    private func carryOut(_ first: PipelineRun, request: Request? = nil) async throws(ServiceError) -> RunRecord {
        var entry = first
        let deadline = ContinuousClock.now + settings.customerWait
        let lock = CustomerLock(process: pipeline.process, lifetime: settings.lockLifetime, turnDeadline: deadline)
        let fence = LeaseFence(validUntil: now().addingTimeInterval(settings.runLease), margin: settings.runLease / 3)
        // A run is renewed once it is stored; until then it has no lease to lose.
        let stored = Mutex(entry.stored)
        let runId = entry.run.id
        let renewal = renewals.renewing(
            runs: { stored.withLock { $0 } ? [runId] : [] }, owner: owner, lock: lock, lease: settings.runLease, lockLifetime: settings.lockLifetime, fence: fence)
        defer { renewal.cancel() }
        var pass: PipelinePass
        var looks = 0
        var reads = 0
        while true {
            pass = await pipeline.execute([entry], accountId: entry.action.accountId, lock: lock, mayWrite: { [now] in fence.allows(at: now()) })
            if pass.stored.contains(runId) {
                entry.stored = true
                stored.withLock { $0 = true }
            }
            if pass.duplicate, let request {
                renewal.cancel()
                let found = { (first: RunRecord) in PipelineRun(run: first, action: entry.action, template: entry.template, conversation: entry.conversation) }
                if let existing = try await previous(request, carryOn: found) { return existing }
                throw ServiceError(.conflict, .conflict, "A run for this request exists already.")
            }
            if pass.configurationChanged, reads < 3 {
                await pipeline.release(pass)
                // The action, its account or the agent changed since read: the run goes on with them as they are now.
                reads += 1
                let fresh = try await attempt({ try await repositories.configuration.actionForRun(id: entry.action.id) })?.action
                let template = fresh.flatMap { Template.named($0.template) }
                var failure: RunFailure? = switch (fresh, template) {
                case (let fresh?, _?): request?.toolName.map(fresh.offers(tool:)) == false ? .toolNotOffered : nil
                default: .actionNotFound
                }
                if failure == nil, let agentId = entry.offeredBy,
                    try await attempt({ try await repositories.configuration.agentForRun(id: agentId) })?.agent.actionIds.contains(entry.action.id) != true
                {
                    failure = .toolNotOffered
                }
                guard let fresh, let template, failure == nil else {
                    var gone = entry.run
                    gone.status = .failed
                    gone.result = RunResult(error: failure)
                    pass.outcomes = [.finished(gone)]
                    break
                }
                var run = entry.run
                run.accountId = fresh.accountId
                entry = PipelineRun(
                    run: run, action: fresh, template: template, conversation: entry.conversation, stored: entry.stored, lease: entry.lease, offeredBy: entry.offeredBy)
                continue
            }
            guard case .deferred = pass.outcomes.first! else { break }
            let left = deadline - ContinuousClock.now
            if left <= .zero || Task.isCancelled || !fence.allows(at: now()) { break }
            // A pass that is tried again gives back what it held first.
            await pipeline.release(pass)
            // Another instance holds the customer: its turn is looked at again with backoff.
            looks += 1
            try? await Task.sleep(for: min(left, Self.recheck.delay(after: looks)))
        }
        renewal.cancel()
        let run = schedule(pass.outcomes.first!)
        let saved: Set<String>
        do {
            saved = try await save([run], pass: pass, owner: owner, stored: entry.stored ? [run.id] : [])
        } catch RepositoryError.conflict {
            // A run that ended before it was stored meets its idempotency key taken meanwhile: that run is the answer.
            let found = { (first: RunRecord) in PipelineRun(run: first, action: entry.action, template: entry.template, conversation: entry.conversation) }
            if let request, let existing = try await previous(request, carryOn: found) { return existing }
            throw ServiceError(.conflict, .conflict, "A run for this request exists already.")
        } catch {
            throw ServiceError(.unavailable, .storageFailed, "The database could not be reached.")
        }
        guard saved.contains(run.id) else {
            // The lease passed to another instance, which carries the run on: answer it as it stands.
            return try await attempt { try await repositories.runs.run(id: run.id) } ?? run
        }
        return run
    }

    public func run(id: String) async throws(ServiceError) -> RunRecord {
        guard let run = try await attempt({ try await repositories.runs.run(id: id) }) else { throw .notFound("Run \(id)") }
        return run
    }

    public func runs(_ filter: RunFilter, limit: Int, cursor: String?) async throws(ServiceError) -> Page<RunRecord> {
        do {
            return try await repositories.runs.runs(filter, limit: limit, cursor: cursor)
        } catch RepositoryError.invalidCursor {
            throw ServiceError(.badRequest, .invalidRequest, "The cursor is not valid.")
        } catch {
            throw ServiceError(.unavailable, .storageFailed, "The database could not be reached.")
        }
    }
}

extension Optional {
    func asyncMap<T>(_ transform: (Wrapped) async throws -> T) async rethrows -> T? {
        guard let value = self else { return nil }
        return try await transform(value)
    }
}

/// A value computed at most once per `lifetime`.
final class Recent<Value: Sendable>: Sendable {
    private let state = Mutex<(value: Value, at: ContinuousClock.Instant)?>(nil)
    private let lifetime: Duration

    init(lifetime: Duration) { self.lifetime = lifetime }

    func value(_ compute: () async throws -> Value) async throws -> Value {
        let now = ContinuousClock.now
        if let cached = state.withLock({ $0 }), now - cached.at < lifetime { return cached.value }
        let fresh = try await compute()
        state.withLock { $0 = (fresh, now) }
        return fresh
    }
}
