import ContactSyncCRM
import ContactSyncCore
import ContactSyncStore
import Foundation
import Logging
import Synchronization

/// Executes runs (DESIGN §2.2): Core prepares and decides, the connector acts, the store records.
public struct RunEngine: Sendable {
    /// What to run.
    public struct Request: Sendable, Hashable {
        public var actionId: String
        public var conversationId: String?
        public var input: RunInput
        public var dryRun: Bool
        public var idempotencyKey: String?
        public var trigger: RunTrigger

        public init(actionId: String, conversationId: String?, input: RunInput, dryRun: Bool = false, idempotencyKey: String? = nil, trigger: RunTrigger = .inConversation) {
            self.actionId = actionId
            self.conversationId = conversationId
            self.input = input
            self.dryRun = dryRun
            self.idempotencyKey = idempotencyKey
            self.trigger = trigger
        }

        /// Identifies the request behind an idempotency key.
        var hash: String {
            let fields = input.fields.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: "\u{1}")
            return Store.digest([actionId, conversationId ?? "", fields, input.summary ?? "\u{2}", String(dryRun)].joined(separator: "\u{0}"))
        }
    }

    let store: Store
    let connectors: Connectors
    let logger: Logger
    let now: @Sendable () -> Date
    let pipeline: RunPipeline
    let settings: Settings

    /// How long runs wait for each other and for a busy customer.
    public struct Settings: Sendable {
        /// How long a request repeating an in-flight Idempotency-Key waits for the first run's result.
        public var idempotentWait: Duration = .seconds(30)
        /// How long an in-conversation run waits for another run of the same customer to finish.
        public var customerWait: Duration = .seconds(30)
        /// How long an in-conversation run is held as `running` before, its process presumed dead, it is
        /// recorded as interrupted (retryable).
        public var runLease: TimeInterval = 900
        /// How long a customer's write lock outlives a holder that died.
        public var lockLifetime: TimeInterval = 120

        public init() {}
    }

    /// `model` answers for agents in `model` extraction mode; without it their runs use the rules alone.
    public init(
        store: Store, connectors: Connectors, logger: Logger, settings: Settings = Settings(), model: ModelExtractor? = nil,
        metrics: RunMetrics = .none, now: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.store = store
        self.connectors = connectors
        self.logger = logger
        self.now = now
        self.settings = settings
        self.pipeline = RunPipeline(
            store: store, connectors: connectors, logger: logger, now: now, intelligence: ConversationIntelligence(store: store, model: model, logger: logger),
            metrics: metrics)
    }

    private func attempt<T>(_ body: () async throws -> T) async throws(ServiceError) -> T {
        do { return try await body() } catch { throw ServiceError(.unavailable, "storage_failed", "The database could not be reached.") }
    }

    /// Runs an action now, synchronously. With an idempotency key, a repeated request answers the first
    /// run (waiting for it while it is still running); the same key with a different request is refused.
    /// `known` is the action when the caller has just read it.
    public func run(_ request: Request, action known: Action? = nil) async throws(ServiceError) -> RunRecord {
        let action: Action
        if let known, known.id == request.actionId {
            action = known
        } else {
            guard let stored = try await attempt({ try await store.action(id: request.actionId) }) else { throw .notFound("Action \(request.actionId)") }
            action = stored.action
        }
        guard let template = Template.named(action.template) else {
            throw ServiceError(.unprocessable, "invalid_action", "The action's template '\(action.template)' is unknown.")
        }
        var conversation: Conversation?
        if let id = request.conversationId {
            conversation = try await attempt { try await store.conversation(id: id) }
            guard conversation != nil else { throw ServiceError(.notFound, "conversation_not_found", "Conversation \(id) was not found.") }
        }
        let start = now()
        let run = RunRecord(
            id: Store.newId("run"), actionId: action.id, conversationId: request.conversationId, trigger: request.trigger, status: .running,
            dryRun: request.dryRun, input: request.input, idempotencyKey: request.idempotencyKey,
            requestHash: request.idempotencyKey == nil ? nil : request.hash, attempts: 1, createdAt: start, startedAt: start,
            accountId: action.accountId)
        do {
            // A key used before conflicts on its unique index; that run is the answer.
            try await store.insertRun(run, leaseUntil: start.addingTimeInterval(settings.runLease))
        } catch StoreError.conflict {
            if let existing = try await previous(request) { return existing }
            throw ServiceError(.conflict, "conflict", "A run for this request exists already.")
        } catch {
            throw ServiceError(.unavailable, "storage_failed", "The database could not be reached.")
        }
        return try await carryOut(PipelineRun(run: run, action: action, template: template, conversation: conversation))
    }

    /// The run an action's idempotency key was used for, if any.
    public func run(actionId: String, idempotencyKey: String) async throws(ServiceError) -> RunRecord? {
        try await attempt { try await store.run(actionId: actionId, idempotencyKey: idempotencyKey) }
    }

    /// The run an idempotency key was used for, when the request is the same (once it has finished, or
    /// as it stands after a bounded wait); an error when it differs.
    private func previous(_ request: Request) async throws(ServiceError) -> RunRecord? {
        guard let key = request.idempotencyKey else { return nil }
        let deadline = ContinuousClock.now + settings.idempotentWait
        while true {
            guard let existing = try await attempt({ try await store.run(actionId: request.actionId, idempotencyKey: key) }) else { return nil }
            guard existing.requestHash == request.hash else {
                throw ServiceError(.unprocessable, "idempotency_key_mismatch", "This Idempotency-Key was used with a different request.")
            }
            if existing.status != .running || ContinuousClock.now >= deadline { return existing }
            try? await Task.sleep(for: .milliseconds(50))
        }
    }

    /// Runs a failed run again with its original input. Of concurrent retries of one run, one carries
    /// it out; the others answer `not_retryable`.
    public func retry(runId: String) async throws(ServiceError) -> RunRecord {
        guard let current = try await attempt({ try await store.run(id: runId) }) else { throw .notFound("Run \(runId)") }
        guard current.status == .failed || current.status == .waitingForAccount else {
            throw ServiceError(.conflict, "not_retryable", "Only failed runs can be retried; this one is \(current.status.rawValue).")
        }
        guard let stored = try await attempt({ try await store.action(id: current.actionId) }), let template = Template.named(stored.action.template) else {
            throw ServiceError(.conflict, "not_retryable", "The run's action no longer exists.")
        }
        let conversation = try await attempt { try await current.conversationId.asyncMap { try await store.conversation(id: $0) } } ?? nil
        let time = now()
        guard let claimed = try await attempt({ try await store.claimRetry(runId: runId, now: time, leaseUntil: time.addingTimeInterval(settings.runLease)) }) else {
            throw ServiceError(.conflict, "not_retryable", "The run is being retried already.")
        }
        // The attempt starts from what the run already wrote: a record id is never lost to a later failure.
        var attempt = claimed
        attempt.result = current.result
        return try await carryOut(PipelineRun(run: attempt, action: stored.action, template: template, conversation: conversation))
    }

    /// Carries one run through the pipeline, waiting (bounded) while another run holds its customer, and
    /// saves it. The save completes even when the request is cancelled.
    private func carryOut(_ entry: PipelineRun) async throws(ServiceError) -> RunRecord {
        let deadline = ContinuousClock.now + settings.customerWait
        let lock = CustomerLock(lifetime: settings.lockLifetime, turnDeadline: deadline)
        // The customer's lock is renewed while the run holds it, however long its CRM calls take.
        let heartbeat = Task { [store, now, lifetime = settings.lockLifetime, owner = lock.owner] in
            while !Task.isCancelled {
                try? await Task.sleep(for: .milliseconds(Int(lifetime * 1000 / 3)))
                if Task.isCancelled { break }
                try? await store.extendCustomerLocks(owner: owner, until: now().addingTimeInterval(lifetime))
            }
        }
        defer { heartbeat.cancel() }
        var run: RunRecord
        while true {
            let outcome = await pipeline.execute([entry], accountId: entry.action.accountId, lock: lock).first!
            if case .finished(let finished) = outcome {
                run = finished
                break
            }
            if ContinuousClock.now >= deadline || Task.isCancelled {
                run = entry.run
                run.status = .failed
                var result = RunResult(error: RunFailure(code: "customer_busy", message: "Another run for this customer did not finish in time.", crmCode: nil, retryable: true))
                result.keepRecord(of: entry.run.result)
                run.result = result
                run.finishedAt = now()
                break
            }
            try? await Task.sleep(for: .milliseconds(25))
        }
        let saved = run
        try await attempt { [store] in try await store.finishing { try await store.saveRun(saved) } }
        return run
    }

    public func run(id: String) async throws(ServiceError) -> RunRecord {
        guard let run = try await attempt({ try await store.run(id: id) }) else { throw .notFound("Run \(id)") }
        return run
    }

    public func runs(_ filter: RunFilter, limit: Int, cursor: String?) async throws(ServiceError) -> Page<RunRecord> {
        do {
            return try await store.runs(filter, limit: limit, cursor: cursor)
        } catch StoreError.invalidCursor {
            throw ServiceError(.badRequest, "invalid_request", "The cursor is not valid.")
        } catch {
            throw ServiceError(.unavailable, "storage_failed", "The database could not be reached.")
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
