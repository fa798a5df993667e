import ContactSyncCRM
import ContactSyncCore
import ContactSyncStore
import Foundation
import Logging

/// The one way runs are carried out, whatever started them (ARCHITECTURE §1): prepare (pure) → lookup (batched)
/// → plan (`RunPlanner`, pure) → write (batched) → record. A single run is a batch of one, so single and
/// batched runs cannot drift apart.
struct RunPipeline: Sendable {
    let repositories: Repositories
    let connectors: Connectors
    let logger: Logger
    let now: @Sendable () -> Date
    /// Values and a summary from the transcript, when the platform supplied none.
    let intelligence: ConversationIntelligence
    let metrics: RunMetrics
    /// Which agent fields are contact attributes, re-read every few seconds (it changes rarely).
    let contactAttributeKeys = Recent<[String]>(lifetime: .seconds(5))
    /// Turns of runs of one customer in this process, shared by every trigger.
    let turns = CustomerTurns()
    /// This process, in the names of the customers' locks its passes take.
    let process = Identifier.make("proc")

    /// One run on its way through.
    struct Item {
        var entry: PipelineRun
        /// The mappings this run writes: all of the action's, or for a follow-up those whose values changed.
        var mappings: [FieldMapping]
        /// For a follow-up: the contact the run it follows chose.
        var target: String?
        /// A follow-up whose first run chose no contact (it was skipped, say for a missing email) runs in full:
        /// the conversation's current values, summary and extraction, decided afresh.
        var runsInFull = false
        var prepared: PreparedRun?
        /// The customer messages extracted values came from.
        var evidence: [Evidence] = []
        var planner: RunPlanner?
        var plan: RunPlan?
        var contactId: String?
        var noteId: String?
        var recordURL: String?
        /// For a create that met an existing contact: that contact, when the CRM named it.
        var conflictId: String?
        /// How the contact was found (email, phone, or the follow-up's contact by id).
        var foundBy: ContactFoundBy = .email
        /// The country a phone number without one is read in: the agent's default.
        var defaultCountry = "US"
        /// Whether the contact itself was written (created or updated).
        var contactWritten = false
        /// The records this run created (or found its lost create to be).
        var created: [String] = []
        /// This attempt recorded a create as sent while the lookup was under way (``RunPipeline/marksEarly(_:pass:connector:)``).
        var markedEarly = false
        /// This attempt sent a create (or was about to, when it failed).
        var sentCreate = false
        var error: CRMError?
        /// Set once the run needs nothing more.
        var done: PipelineOutcome?

        var run: RunRecord { entry.run }
        var isOpen: Bool { done == nil && error == nil }
    }

    /// Carries out runs of one account together; one outcome per run, in order. `mayWrite` is asked before
    /// every write step: a worker whose lease has ended stops before its next write. The caller closes the
    /// pass with ``RunEngine/save(_:pass:owner:)``, which gives the customers' turns back.
    func execute(_ runs: [PipelineRun], accountId: String, lock: CustomerLock, mayWrite: @escaping @Sendable () -> Bool = { true }) async -> PipelinePass {
        let ids = RunLogMetadata.of(runs.map(\.run))
        return await RunLogMetadata.$current.withValue(ids) {
            await carryOut(runs, accountId: accountId, lock: lock, mayWrite: mayWrite)
        }
    }

    private func carryOut(_ runs: [PipelineRun], accountId: String, lock: CustomerLock, mayWrite: @escaping @Sendable () -> Bool) async -> PipelinePass {
        let log = CRMCallLog(mayWrite: mayWrite)
        var items = runs.map { Item(entry: $0, mappings: $0.action.mappings) }
        var pass = PipelinePass(outcomes: [], accountId: accountId, lock: lock)
        for run in runs where run.run.trigger == .offline && run.run.attempts <= 1 {
            if let ended = run.conversation.flatMap({ $0.endedAt ?? $0.endsAt }) { metrics.offlineLag(seconds: now().timeIntervalSince(ended)) }
        }
        do {
            guard let account = try await repositories.accounts.accountForRun(id: accountId) else {
                fail(&items, RunFailure(code: "account_not_found", message: "The action's account no longer exists.", crmCode: nil, retryable: false))
                pass.outcomes = items.map { [calls = log.totals] in finalize($0, calls: calls, batchSize: runs.count) }
                return pass
            }
            guard account.status == .connected else {
                items = items.map { var item = $0; item.error = CRMError(.reconnectRequired, "The account must be connected again."); return item }
                pass.outcomes = items.map { [calls = log.totals] in finalize($0, calls: calls, batchSize: runs.count) }
                return pass
            }
            try await follow(&items)
            let remember = try await prepare(&items)
            guard items.contains(where: \.isOpen) else {
                pass.outcomes = items.map { [calls = log.totals] in finalize($0, calls: calls, batchSize: runs.count) }
                return pass
            }
            let connector = try connectors.connector(for: account)
            // From here every turn taken is given back: by the opening for customers it did not lock, else as the pass closes.
            let turns = await takeTurns(items, accountId: accountId, lock: lock)
            // The customers are looked up while the pass opens (their turns here are held already). What the lookup
            // found counts for a customer only if no other instance gave its lock back since the lookup may have begun.
            let looking = items.filter { $0.isOpen && ($0.run.dryRun || $0.prepared.map { turns.contains($0.customerKey) } == true) }
            let emails = looking.compactMap(\.prepared?.email)
            // A customer with no email, whose action matches by phone, is searched by phone at once.
            let phones = looking.filter { $0.prepared?.email == nil && $0.entry.action.match == .emailThenPhone }.compactMap(\.prepared?.phone)
            let sent = ContinuousClock.now
            async let early = Self.lookup(emails, phones: Array(Set(phones)).sorted(), connector: connector, log: log)
            try await open(&items, &pass, accountId: accountId, lock: lock, turns: turns, remember: remember)
            let waited = (ContinuousClock.now - sent).seconds + Self.lookupMargin
            let marking = Self.marksEarly(items, pass: pass, connector: connector)
            for index in marking { items[index].markedEarly = true }
            let markedIds = marking.map { items[$0].run.id }
            async let marked: Void = repositories.runs.recordCreatesSent(runIds: markedIds, now: now())
            var looked = try await early
            var behind: Set<String> = []
            let lookedUp = Set(emails)
            for item in items where item.isOpen {
                guard let prepared = item.prepared else { continue }
                let late = pass.heldBefore[prepared.customerKey].map { $0 < waited } == true
                if let email = prepared.email {
                    if late || !lookedUp.contains(email) { behind.insert(email) }
                } else if let phone = prepared.phone, late {
                    // Searched again under the lock, in decide.
                    looked.foundByPhone[phone] = nil
                }
            }
            if !behind.isEmpty {
                // Another writer of these customers finished while they were looked up: once more, under the lock.
                looked.found.merge(try await connector.lookup(emails: behind.sorted(), log: log)) { _, fresh in fresh }
            }
            try await marked
            if items.contains(where: \.isOpen) {
                try await decide(&items, looked: looked, account: account, known: pass.lastContacts, connector: connector, log: log)
                try await write(&items, account: account, connector: connector, mayWrite: mayWrite, log: log)
            }
        } catch RepositoryError.conflict {
            pass.duplicate = true
            for index in items.indices where items[index].done == nil { items[index].done = .deferred(items[index].run, until: nil) }
        } catch let error as CRMError {
            for index in items.indices where items[index].isOpen { items[index].error = error }
        } catch {
            logger.error("runs could not be completed", metadata: ["account": "\(accountId)", "error": "\(type(of: error))"])
            fail(&items, RunFailure(code: "internal_error", message: "The run could not be completed.", crmCode: nil, retryable: true))
        }
        pass.provenance = items.flatMap { item in item.created.map { ($0, item.run.id) } }
        pass.withdrawn = Set(items.filter { $0.markedEarly && !$0.sentCreate }.map(\.run.id))
        if items.contains(where: { $0.error?.code == .reconnectRequired }) { await connectors.markReconnectRequired(accountId: accountId) }
        pass.outcomes = items.map { [calls = log.totals] in finalize($0, calls: calls, batchSize: runs.count) }
        for (item, outcome) in zip(items, pass.outcomes) {
            guard let key = item.prepared?.customerKey, case .finished(let run) = outcome, let id = run.result?.crmRecordId else { continue }
            pass.chosen[key] = id
        }
        return pass
    }

    /// Gives back the customers' turns in this process, once the pass's locks are given back in the database.
    func giveTurns(_ pass: PipelinePass) {
        pass.lock.held.give(accountId: pass.accountId, emails: pass.locked)
        turns.give(pass.locked.map { CustomerTurns.Key(accountId: pass.accountId, email: $0) })
    }

    /// Gives back what a pass holds without closing it (it is tried again): its locks, then its turns.
    func release(_ pass: PipelinePass) async {
        guard !pass.locked.isEmpty else { return }
        try? await repositories.customerLocks.releaseCustomerLocks(accountId: pass.accountId, emails: pass.locked, owner: pass.lock.owner)
        giveTurns(pass)
    }

    /// Finishes every open run with `failure`, keeping what each already wrote.
    private func fail(_ items: inout [Item], _ failure: RunFailure) {
        for index in items.indices where items[index].done == nil && items[index].error == nil {
            var run = items[index].run
            run.result = Self.failedResult(items[index], failure)
            run.status = .failed
            items[index].done = .finished(run)
        }
    }

    /// The runs whose create is recorded as sent while they are looked up, not after: then a new customer's create
    /// follows its lookup at once, without a database round trip between them. Only where that record cannot turn a
    /// contact made by hand into a lost create: the CRM marks its integration's creates apart from a person's
    /// (``CRMConnector/marksIntegrationCreates``), and the run is a new one (stored by this opening) that may create,
    /// for a customer whose lock names no contact yet. A record whose create is not sent is withdrawn as the pass
    /// closes (``PipelinePass/withdrawn``).
    static func marksEarly(_ items: [Item], pass: PipelinePass, connector: any CRMConnector) -> [Int] {
        guard connector.marksIntegrationCreates else { return [] }
        return items.indices.filter { index in
            let item = items[index]
            guard item.isOpen, !item.run.dryRun, item.target == nil, item.entry.action.allowCreate, pass.stored.contains(item.run.id),
                let customer = item.prepared?.customerKey, item.prepared?.email != nil
            else { return false }
            return pass.lastContacts[customer] == nil
        }
    }

    /// How long before a lookup was sent another writer's release may have been and still not be seen
    /// by it: the time the lookup and the opening took is added to it.
    static let lookupMargin = 0.25

    /// One writer per customer, first in this process: takes the turn of each customer the pass writes to
    /// (waiting for it until the lock's turn deadline, for a single run). Returns the customers whose turns it holds.
    private func takeTurns(_ items: [Item], accountId: String, lock: CustomerLock) async -> Set<String> {
        let wanted = items.filter { $0.isOpen && !$0.run.dryRun }.compactMap(\.prepared?.customerKey)
        guard !wanted.isEmpty else { return [] }
        let keys = wanted.map { CustomerTurns.Key(accountId: accountId, email: $0) }
        if let deadline = lock.turnDeadline, keys.count == 1 {
            return await turns.take(waitingFor: keys[0], until: deadline) ? [wanted[0]] : []
        }
        return Set(turns.take(free: keys).map(\.email))
    }

    /// Then against other instances: opens the pass in the database (``RunJournal/open(_:)``), its new runs
    /// stored, the attributes remembered, and each customer's lock taken in one go, checking the configuration
    /// it read. A run whose customer is held elsewhere is deferred. Dry runs write nothing and take no lock.
    private func open(
        _ items: inout [Item], _ pass: inout PipelinePass, accountId: String, lock: CustomerLock, turns mine: Set<String>,
        remember: [RememberedFor: [String: String]]
    ) async throws {
        let writing = items.indices.filter { items[$0].isOpen && !items[$0].run.dryRun }
        guard !writing.isEmpty else { return }
        var held: Set<String> = []
        if !mine.isEmpty {
            let time = now()
            var opening = RunJournal.Opening(accountId: accountId, lockOwner: lock.owner, lockedUntil: time.addingTimeInterval(lock.lifetime), now: time)
            opening.customers = Array(mine)
            opening.remember = remember
            opening.actionIds = Array(Set(items.map(\.entry.action.id)))
            opening.agentIds = Array(Set(items.compactMap(\.entry.offeredBy)))
            opening.newRuns = writing.filter { !items[$0].entry.stored }.map {
                let lease = items[$0].entry.lease ?? (owner: lock.owner, until: time)
                return RunJournal.NewRun(run: items[$0].run, leaseOwner: lease.owner, leaseUntil: lease.until)
            }
            do {
                let opened = try await repositories.journal.open(opening)
                held = opened.locked
                lock.held.hold(accountId: accountId, emails: held)
                pass.heldBefore = opened.heldBefore
                pass.lastContacts = opened.lastContacts
                for new in opening.newRuns { pass.stored.insert(new.run.id) }
                if !opened.configurationCurrent {
                    // What the pass read changed meanwhile: it runs again with a fresh read, after giving back what
                    // it holds (by its caller, or as it closes).
                    turns.give(mine.subtracting(held).map { CustomerTurns.Key(accountId: accountId, email: $0) })
                    pass.locked = Array(held)
                    pass.configurationChanged = true
                    for index in items.indices where items[index].done == nil { items[index].done = .deferred(items[index].run, until: nil) }
                    return
                }
            } catch {
                turns.give(mine.map { CustomerTurns.Key(accountId: accountId, email: $0) })
                throw error
            }
            turns.give(mine.subtracting(held).map { CustomerTurns.Key(accountId: accountId, email: $0) })
            pass.locked = Array(held)
        }
        for index in writing where items[index].isOpen {
            if let key = items[index].prepared?.customerKey, !held.contains(key) { items[index].done = .deferred(items[index].run, until: nil) }
        }
    }

    func succeeded(_ run: RunRecord, _ result: RunResult) -> PipelineOutcome {
        var run = run
        run.result = result
        run.status = .succeeded
        return .finished(run)
    }
}
