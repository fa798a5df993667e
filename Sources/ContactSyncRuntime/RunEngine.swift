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
    /// Which agent fields are contact attributes, re-read every few seconds (it changes rarely).
    let contactAttributeKeys = Recent<[String]>(lifetime: .seconds(5))

    public init(store: Store, connectors: Connectors, logger: Logger, now: @escaping @Sendable () -> Date = { Date() }) {
        self.store = store
        self.connectors = connectors
        self.logger = logger
        self.now = now
    }

    private func attempt<T>(_ body: () async throws -> T) async throws(ServiceError) -> T {
        do { return try await body() } catch { throw ServiceError(.unavailable, "storage_failed", "The database could not be reached.") }
    }

    /// Runs an action now, synchronously. With an idempotency key, a repeated request answers the first
    /// run; the same key with a different request is refused.
    public func run(_ request: Request) async throws(ServiceError) -> RunRecord {
        guard let stored = try await attempt({ try await store.action(id: request.actionId) }) else { throw .notFound("Action \(request.actionId)") }
        guard let template = Template.named(stored.action.template) else {
            throw ServiceError(.unprocessable, "invalid_action", "The action's template '\(stored.action.template)' is unknown.")
        }
        var conversation: Conversation?
        if let id = request.conversationId {
            conversation = try await attempt { try await store.conversation(id: id) }
            guard conversation != nil else { throw ServiceError(.notFound, "conversation_not_found", "Conversation \(id) was not found.") }
        }
        if let existing = try await previous(request) { return existing }
        let start = now()
        var run = RunRecord(
            id: Store.newId("run"), actionId: stored.action.id, conversationId: request.conversationId, trigger: request.trigger, status: .running,
            dryRun: request.dryRun, input: request.input, idempotencyKey: request.idempotencyKey,
            requestHash: request.idempotencyKey == nil ? nil : request.hash, attempts: 1, createdAt: start, startedAt: start)
        do {
            try await store.insertRun(run)
        } catch StoreError.conflict {
            if let existing = try await previous(request) { return existing }
            throw ServiceError(.conflict, "conflict", "A run for this request exists already.")
        } catch {
            throw ServiceError(.unavailable, "storage_failed", "The database could not be reached.")
        }
        run = await execute(run, action: stored.action, template: template, conversation: conversation)
        try await attempt { [store, run] in try await shielded { try await store.saveRun(run) } }
        return run
    }

    /// The run an idempotency key was used for, when the request is the same; an error when it differs.
    private func previous(_ request: Request) async throws(ServiceError) -> RunRecord? {
        guard let key = request.idempotencyKey else { return nil }
        guard let existing = try await attempt({ try await store.run(actionId: request.actionId, idempotencyKey: key) }) else { return nil }
        guard existing.requestHash == request.hash else {
            throw ServiceError(.unprocessable, "idempotency_key_mismatch", "This Idempotency-Key was used with a different request.")
        }
        return existing
    }

    /// Runs a failed run again with its original input.
    public func retry(runId: String) async throws(ServiceError) -> RunRecord {
        guard var run = try await attempt({ try await store.run(id: runId) }) else { throw .notFound("Run \(runId)") }
        guard run.status == .failed || run.status == .waitingForAccount else {
            throw ServiceError(.conflict, "not_retryable", "Only failed runs can be retried; this one is \(run.status.rawValue).")
        }
        guard let stored = try await attempt({ try await store.action(id: run.actionId) }), let template = Template.named(stored.action.template) else {
            throw ServiceError(.conflict, "not_retryable", "The run's action no longer exists.")
        }
        let conversation = try await attempt { try await run.conversationId.asyncMap { try await store.conversation(id: $0) } } ?? nil
        run.attempts += 1
        run.status = .running
        run.startedAt = now()
        run.finishedAt = nil
        run.result = nil
        run = await execute(run, action: stored.action, template: template, conversation: conversation)
        try await attempt { [store, run] in try await shielded { try await store.saveRun(run) } }
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
