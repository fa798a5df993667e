import ContactSyncCRM
import ContactSyncCore
import ContactSyncStore
import Foundation
import Logging

/// Carries out due offline runs of one account together: one batched lookup, batched creates and updates,
/// batched notes, with each run decided by the same planner as a single run.
struct OfflineBatch: Sendable {
    let store: Store
    let connectors: Connectors
    let engine: RunEngine
    let logger: Logger
    let now: @Sendable () -> Date
    let maxAttempts: Int

    /// A run and when to try it again (nil: it is finished).
    typealias Outcome = (run: RunRecord, retryAt: Date?)

    /// One run on its way through the batch.
    private struct Item {
        var run: RunRecord
        let action: Action
        let template: Template
        let prepared: PreparedRun
        var plan: RunPlan?
        var contactId: String?
        var noteId: String?
        var created = false
    }

    func execute(_ runs: [RunRecord], accountId: String) async -> [Outcome] {
        let log = CRMCallLog()
        var finished: [Outcome] = []
        do {
            guard let account = try await store.account(id: accountId) else {
                return runs.map { finish($0, failure: RunFailure(code: "account_not_found", message: "The action's account no longer exists.", crmCode: nil, retryable: false)) }
            }
            guard account.status == .connected else {
                return runs.map { waiting($0) }
            }
            let actions = Dictionary(uniqueKeysWithValues: try await store.actions(ids: Array(Set(runs.map(\.actionId)))).map { ($0.action.id, $0.action) })
            let conversations = try await store.conversations(ids: runs.compactMap(\.conversationId))
            var items: [Item] = []
            var seenEmails: Set<String> = []
            for run in runs {
                guard let action = actions[run.actionId], let template = Template.named(action.template) else {
                    finished.append(finish(run, failure: RunFailure(code: "action_not_found", message: "The action no longer exists.", crmCode: nil, retryable: false)))
                    continue
                }
                let conversation = run.conversationId.flatMap { conversations[$0] }
                var sources = ValueSources(conversation: conversation?.attributes ?? [:], conversationSummary: conversation?.summary)
                if case .success(let first) = RunPreparation.prepare(template: template, mappings: action.mappings, sources: sources) {
                    sources.contactAttributes = try await store.contactAttributes(email: first.email)
                }
                switch RunPreparation.prepare(template: template, mappings: action.mappings, sources: sources) {
                case .failure(let reason):
                    var done = run
                    done.result = RunResult(outcome: .skipped, reason: reason)
                    finished.append(succeed(done))
                case .success(let prepared):
                    // Two runs for one customer in one batch would both see no contact; the second waits a moment.
                    guard seenEmails.insert(prepared.email).inserted else {
                        var later = run
                        later.attempts -= 1
                        finished.append((later, now().addingTimeInterval(0.2)))
                        continue
                    }
                    items.append(Item(run: run, action: action, template: template, prepared: prepared))
                }
            }
            guard !items.isEmpty else { return finished }

            let connector = try await connectors.connector(for: account)
            async let fieldList = connector.contactFields(log: log)
            let emails = items.map(\.prepared.email)
            async let lookups = connector.lookup(emails: emails, log: log)
            let (fields, found) = try await (fieldList, lookups)
            for index in items.indices {
                let matches = try await engine.withProvenance(found[items[index].prepared.email] ?? [], accountId: account.id)
                items[index].plan = RunPlanner(action: items[index].action, template: items[index].template, fields: fields).plan(items[index].prepared, matches: matches)
                items[index].contactId = items[index].plan?.existingContactId
            }
            var failures: [Int: CRMError] = [:]
            try await writeContacts(&items, failures: &failures, connector: connector, account: account, log: log)
            if let hubspot = connector as? HubSpotConnector {
                try await writeNotes(&items, failures: &failures, connector: hubspot, log: log)
            }
            for (index, item) in items.enumerated() {
                if let error = failures[index], error.code == .contactExists {
                    // The contact exists under another address (HubSpot's secondary emails): decide it singly.
                    let conversation = item.run.conversationId.flatMap { conversations[$0] }
                    finished.append(settle(await engine.execute(item.run, action: item.action, template: item.template, conversation: conversation)))
                    continue
                }
                if let error = failures[index] {
                    finished.append(fail(item.run, error: error, accountId: account.id))
                    continue
                }
                var done = item.run
                done.result = RunEngine.result(item.plan!, contactId: item.contactId, noteId: item.noteId, connector: connector)
                finished.append(succeed(done))
            }
        } catch let error as CRMError {
            if error.code == .reconnectRequired { await connectors.markReconnectRequired(accountId: accountId) }
            let handled = Set(finished.map(\.run.id))
            finished += runs.filter { !handled.contains($0.id) }.map { fail($0, error: error, accountId: accountId) }
        } catch {
            logger.error("offline batch failed", metadata: ["account": "\(accountId)", "error": "\(type(of: error))"])
            let handled = Set(finished.map(\.run.id))
            finished += runs.filter { !handled.contains($0.id) }.map {
                retry($0, failure: RunFailure(code: "internal_error", message: "The run could not be completed.", crmCode: nil, retryable: true))
            }
        }
        let calls = log.count
        let trips = log.sequentialRoundTrips
        let wait = RunEngine.milliseconds(log.waitingTime)
        let size = runs.count
        return finished.map { outcome in
            var run = outcome.run
            run.result?.crmCalls = calls
            run.result?.roundTrips = trips
            run.result?.crmWaitMs = wait
            run.result?.batchSize = size
            return (run, outcome.retryAt)
        }
    }

    /// Batched creates and updates. A create that meets an existing contact is carried out as a single run.
    private func writeContacts(_ items: inout [Item], failures: inout [Int: CRMError], connector: any CRMConnector, account: AccountRecord, log: CRMCallLog) async throws {
        let creates = items.indices.filter { if case .create = items[$0].plan?.write { true } else { false } }
        if !creates.isEmpty {
            let results = try await connector.createContacts(creates.map { items[$0].plan!.write!.properties }, log: log)
            for (index, result) in zip(creates, results) {
                switch result {
                case .success(let id):
                    items[index].contactId = id
                    items[index].created = true
                    try await store.recordProvenance(accountId: account.id, recordId: id, runId: items[index].run.id, now: now())
                case .failure(let error) where error.code == .contactExists:
                    failures[index] = CRMError(.contactExists, "handled singly")
                case .failure(let error):
                    failures[index] = error
                }
            }
        }
        let updates = items.indices.filter { if case .update = items[$0].plan?.write { true } else { false } }
        if !updates.isEmpty {
            let inputs = updates.map { index -> (id: String, properties: [String: String]) in
                guard case .update(let id, let properties) = items[index].plan!.write! else { fatalError("filtered to updates") }
                return (id, properties)
            }
            for (index, result) in zip(updates, try await connector.updateContacts(inputs, log: log)) {
                if case .failure(let error) = result { failures[index] = error }
            }
        }
    }

    /// Batched HubSpot notes, one per action and conversation. A run tried before looks for the note its
    /// earlier attempt may have written before writing one.
    private func writeNotes(_ items: inout [Item], failures: inout [Int: CRMError], connector: HubSpotConnector, log: CRMCallLog) async throws {
        var writes: [(index: Int, note: HubSpotNoteWrite)] = []
        for index in items.indices where failures[index] == nil {
            guard let text = items[index].plan?.note, let contactId = items[index].contactId else { continue }
            var existing: String?
            if let conversationId = items[index].run.conversationId,
                let known = try await store.note(actionId: items[index].action.id, conversationId: conversationId), known.contactId == contactId
            {
                existing = known.noteId
            } else if items[index].run.attempts > 1 {
                existing = try await connector.findNote(on: contactId, text: text, timestamp: items[index].run.createdAt, log: log)
            }
            writes.append((index, HubSpotNoteWrite(contactId: contactId, text: text, existingNoteId: existing, timestamp: items[index].run.createdAt)))
        }
        guard !writes.isEmpty else { return }
        let results = try await connector.writeNotes(writes.map(\.note), log: log)
        for (write, result) in zip(writes, results) {
            switch result {
            case .success(let noteId):
                items[write.index].noteId = noteId
                if let conversationId = items[write.index].run.conversationId {
                    try await store.saveNote(actionId: items[write.index].action.id, conversationId: conversationId, noteId: noteId, contactId: write.note.contactId, now: now())
                }
            case .failure(let error):
                failures[write.index] = error
            }
        }
    }

    // MARK: Outcomes

    private func succeed(_ run: RunRecord) -> Outcome {
        var run = run
        run.status = .succeeded
        run.finishedAt = now()
        return (run, nil)
    }

    private func finish(_ run: RunRecord, failure: RunFailure) -> Outcome {
        var run = run
        run.status = .failed
        run.result = RunResult(error: failure)
        run.finishedAt = now()
        return (run, nil)
    }

    private func waiting(_ run: RunRecord) -> Outcome {
        var run = run
        run.status = .waitingForAccount
        run.result = RunResult(error: RunFailure(code: "reconnect_required", message: "The account must be connected again.", crmCode: nil, retryable: true))
        run.finishedAt = now()
        return (run, nil)
    }

    /// Tries again later with jittered exponential backoff, until the attempts run out.
    private func retry(_ run: RunRecord, failure: RunFailure) -> Outcome {
        guard failure.retryable, run.attempts < maxAttempts else { return finish(run, failure: failure) }
        var later = run
        later.result = RunResult(error: failure)
        let delay = min(300, pow(2, Double(run.attempts))) * Double.random(in: 0.5...1)
        return (later, now().addingTimeInterval(delay))
    }

    private func fail(_ run: RunRecord, error: CRMError, accountId: String) -> Outcome {
        if error.code == .reconnectRequired { return waiting(run) }
        return retry(run, failure: RunEngine.failure(error))
    }

    /// A run carried out singly: a retryable failure is tried again later.
    private func settle(_ run: RunRecord) -> Outcome {
        guard run.status == .failed, let failure = run.result?.error else { return (run, nil) }
        return retry(run, failure: failure)
    }
}
