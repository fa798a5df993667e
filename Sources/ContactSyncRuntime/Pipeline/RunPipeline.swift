import ContactSyncCRM
import ContactSyncCore
import ContactSyncStore
import Foundation
import Logging

/// One run to carry out, with the configuration and conversation it runs against.
struct PipelineRun: Sendable {
    var run: RunRecord
    let action: Action
    let template: Template
    let conversation: Conversation?
    /// Whether the run is stored already; a new one is stored when its pass opens (``RunJournal``), with
    /// its lease: `leaseOwner` until `leaseUntil`.
    var stored = true
    var lease: (owner: String, until: Date)?
}

/// What a pass gives back: each run's outcome, and what closing it records (``RunJournal/close(_:)``).
struct PipelinePass: Sendable {
    var outcomes: [PipelineOutcome]
    let accountId: String
    let lock: CustomerLock
    /// The customers the pass locked, given back as it closes.
    var locked: [String] = []
    /// The records the pass created (or found its lost creates to be), each with its run.
    var provenance: [(recordId: String, runId: String)] = []
    /// The runs the pass's opening stored.
    var stored: Set<String> = []
    /// An action or the account changed since they were read: read them again and run again.
    var configurationChanged = false
    /// For customers locked whose lock another holder had: how long ago that holder gave it back
    /// (``RunJournal/Opened/heldBefore``).
    var heldBefore: [String: Double] = [:]
    /// A new run's idempotency key (or offline key) was taken already: the run is a duplicate.
    var duplicate = false
    /// For customers locked: the contact their last run chose, and whether it is contact-sync's own
    /// (``RunJournal/Opened/lastContacts``).
    var lastContacts: [String: RunJournal.LastContact] = [:]
}

/// Where a run stands when the pipeline gives it back.
enum PipelineOutcome: Sendable {
    /// Carried out: succeeded (skipping included), or failed with what it wrote kept.
    case finished(RunRecord)
    /// Not started: another run holds the customer, writing was no longer allowed, or the run a follow-up
    /// follows has not finished. Try again at `until`, or shortly.
    case deferred(RunRecord, until: Date?)
}

/// The write locks one pipeline pass holds on its customers (one writer per customer): who holds them and
/// how long they outlive a holder that died. A worker's heartbeat renews them with its lease.
struct CustomerLock: Sendable {
    /// `<process>.<pass>`: the database tells locks this process held (whose writers its turns order) from others'.
    let owner: String
    let lifetime: TimeInterval
    /// Until when a run waits for its customer's turn in this process (an in-conversation run: its
    /// deadline, measured from the request); nil for a batch, which never waits for one customer.
    var turnDeadline: ContinuousClock.Instant?
    /// The customers whose locks the holder has now, which its heartbeat renews.
    let held = HeldCustomers()

    init(process: String, lifetime: TimeInterval, turnDeadline: ContinuousClock.Instant? = nil) {
        owner = process + "." + Identifier.make("lock")
        self.lifetime = lifetime
        self.turnDeadline = turnDeadline
    }
}

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
        if items.contains(where: { $0.error?.code == .reconnectRequired }) { await connectors.markReconnectRequired(accountId: accountId) }
        pass.outcomes = items.map { [calls = log.totals] in finalize($0, calls: calls, batchSize: runs.count) }
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

    /// Steps 1 and 2: values (with remembered contact attributes) and the email. Skips end here. Returns
    /// the contact attributes to remember, written as the pass opens.
    private func prepare(_ items: inout [Item]) async throws -> [RememberedFor: [String: String]] {
        // Matching by phone reads numbers in the agent's default country.
        var countries: [String: String] = [:]
        for index in items.indices where items[index].entry.action.match == .emailThenPhone {
            guard let agentId = items[index].entry.conversation?.agentId else { continue }
            if countries[agentId] == nil {
                countries[agentId] = try await repositories.configuration.agent(id: agentId)?.agent.extraction.defaultCountry ?? "US"
            }
            items[index].defaultCountry = countries[agentId] ?? "US"
        }
        var sources = items.map(Self.sources)
        try await extract(&items, &sources)
        // Remembered attributes matter only to runs with a mapping the run and conversation leave empty.
        let emails = items.indices.compactMap { index -> RememberedFor? in
            guard case .success(let first) = prepare(items[index], sources[index]),
                first.values.count < items[index].mappings.filter({ !$0.isSummary }).count
                    || first.values.contains(where: { $0.origin == .defaultValue })
            else { return nil }
            return first.email.map { RememberedFor(email: $0, scope: Self.rememberingScope(items[index])) }
        }
        let remembered = try await repositories.contacts.contactAttributes(Set(emails))
        var seen: Set<String> = []
        var toRemember: [RememberedFor: [String: String]] = [:]
        let keys = try await contactAttributeKeys.value { try await repositories.configuration.agentFields().filter(\.contactAttribute).map(\.key) }
        // Runs already decided (a follow-up behind another, say) take no part: not even in whose turn a customer is.
        for index in items.indices where items[index].done == nil {
            if case .success(let first) = prepare(items[index], sources[index]), let email = first.email {
                sources[index].contactAttributes = remembered[RememberedFor(email: email, scope: Self.rememberingScope(items[index]))] ?? [:]
            }
            switch prepare(items[index], sources[index]) {
            case .failure(let reason):
                items[index].done = succeeded(items[index].run, RunResult(outcome: .skipped, reason: reason))
            case .success(let prepared):
                // Two runs for one customer in one batch would both see no contact: the later one waits its turn.
                guard seen.insert(prepared.customerKey).inserted else {
                    items[index].done = .deferred(items[index].run, until: nil)
                    continue
                }
                items[index].prepared = prepared
                if !items[index].run.dryRun, let email = prepared.email {
                    toRemember[RememberedFor(email: email, scope: Self.rememberingScope(items[index])), default: [:]].merge(Self.contactAttributes(keys, sources[index])) { _, new in new }
                }
            }
        }
        return toRemember.filter { !$0.value.isEmpty }
    }

    /// Whose runs may read what a run remembers: a run in an agent's conversation carries that agent's values
    /// (an agent key may have written them), so only that agent's runs read them; a run without a
    /// conversation (the admin key's) remembers for every agent.
    static func rememberingScope(_ item: Item) -> String {
        item.entry.conversation?.agentId ?? RememberedFor.everyone
    }

    /// Fills what the platform left empty from the transcript (ARCHITECTURE §9): for a run with a conversation
    /// whose agent extracts, when a mapped value or the summary is missing. Follow-ups carry only changes,
    /// unless they run in full; the email that finds their customer is taken from the transcript again when
    /// the first run took it from there.
    private func extract(_ items: inout [Item], _ sources: inout [ValueSources]) async throws {
        var agents: [String: Agent] = [:]
        var labels: [String: String]?
        for index in items.indices {
            guard let conversation = items[index].entry.conversation else { continue }
            let changesOnly = items[index].run.trigger == .followUp && !items[index].runsInFull
            let emailField = items[index].entry.template.emailField
            let mappings = items[index].mappings.filter { !changesOnly || $0.crmField == emailField }
            // A mapping's default does not count as a value here: a value from the transcript comes before it.
            let missing = Set(mappings.filter { !$0.isSummary && sources[index].value(for: FieldMapping(crmField: $0.crmField, agentField: $0.agentField)) == nil }.map(\.agentField))
            let writesSummary = mappings.contains(where: \.isSummary) || items[index].entry.template.crm == .hubspot
            let needsSummary = !changesOnly && writesSummary && sources[index].summary == nil
            guard !missing.isEmpty || needsSummary else { continue }
            if agents[conversation.agentId] == nil { agents[conversation.agentId] = try await repositories.configuration.agent(id: conversation.agentId)?.agent }
            guard let agent = agents[conversation.agentId], agent.extraction.mode != .off else { continue }
            if labels == nil { labels = Dictionary(try await repositories.configuration.agentFields().map { ($0.key, $0.label) }, uniquingKeysWith: { first, _ in first }) }
            let found = try await intelligence.extract(
                conversation: conversation, settings: agent.extraction, wanted: missing, labels: labels ?? [:], needsSummary: needsSummary)
            sources[index].extracted = found.values
            sources[index].extractedSummary = found.summary
            items[index].evidence = found.evidence
        }
    }

    func prepare(_ item: Item, _ sources: ValueSources) -> Result<PreparedRun, SkipReason> {
        RunPreparation.prepare(
            template: item.entry.template, mappings: item.mappings, sources: sources, match: item.entry.action.match, defaultCountry: item.defaultCountry)
    }

    /// Where a run's values come from. A follow-up writes only what changed: its input's values and
    /// summary, with the conversation's email to find the customer (unless it runs in full).
    static func sources(_ item: Item) -> ValueSources {
        let conversation = item.entry.conversation
        var sources: ValueSources
        if item.run.trigger == .followUp, !item.runsInFull {
            let emailField = item.entry.action.mappings.first { $0.crmField == item.entry.template.emailField }?.agentField
            let email = emailField.flatMap { key in conversation?.attributes[key].map { [key: $0] } } ?? [:]
            sources = ValueSources(runInput: item.run.input.fields, conversation: email, runSummary: item.run.input.summary)
        } else {
            sources = ValueSources(
                runInput: item.run.input.fields, conversation: conversation?.attributes ?? [:], runSummary: item.run.input.summary,
                conversationSummary: conversation?.summary)
        }
        // A voice platform's values are the platform's, a late one (a follow-up's input) too.
        if conversation?.platform != nil {
            sources.conversationOrigin = .platform
            if item.run.trigger == .followUp { sources.inputOrigin = .platform }
        }
        return sources
    }

    /// Follow-ups wait for the run they follow, then write the changed values against the contact it chose.
    private func follow(_ items: inout [Item]) async throws {
        let followUps = items.indices.filter { items[$0].run.trigger == .followUp }
        guard !followUps.isEmpty else { return }
        let firsts = try await repositories.runs.offlineRuns(followUps.map { ActionConversation(actionId: items[$0].run.actionId, conversationId: items[$0].run.conversationId ?? "") })
        let behind = try await repositories.runs.followUpsBehindEarlier(followUps.map { items[$0].run.id })
        for index in followUps {
            let item = items[index]
            if behind.contains(item.run.id) {
                // An earlier follow-up of this action and conversation is not finished: this one applies after it.
                items[index].done = .deferred(item.run, until: now().addingTimeInterval(1))
                continue
            }
            let first = firsts[ActionConversation(actionId: item.run.actionId, conversationId: item.run.conversationId ?? "")]
            if let first, first.status == .pending || first.status == .running {
                // The first run has not written yet; when it does, it reads the conversation's final values.
                items[index].done = .deferred(item.run, until: (first.nextAttemptAt ?? now()).addingTimeInterval(1))
                continue
            }
            switch FollowUpScope.of(
                item.run.input, chosenContact: first?.result?.crmRecordId, mappings: item.entry.action.mappings, emailField: item.entry.template.emailField)
            {
            case .full:
                items[index].runsInFull = true
            case .changes(let contactId, let mappings):
                items[index].target = contactId
                items[index].mappings = mappings
            }
        }
    }

    /// The customer's contact-attribute values this run knows (its input, else the conversation's).
    static func contactAttributes(_ keys: [String], _ sources: ValueSources) -> [String: String] {
        var values: [String: String] = [:]
        for key in keys {
            for candidate in [sources.runInput[key], sources.conversation[key]] {
                if let value = candidate, !value.isBlank { values[key] = value.trimmed; break }
            }
        }
        return values
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
