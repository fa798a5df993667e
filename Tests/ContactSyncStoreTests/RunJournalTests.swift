import ContactSyncCore
@testable import ContactSyncStore
import ContactSyncTestSupport
import Foundation
import SQLKit
import Testing

/// What a pass records before and after its CRM calls (ARCHITECTURE §3, DESIGN §6): all of it or none of it,
/// on both databases; on PostgreSQL in one statement each.
@Suite("Store: a pass's opening and closing")
struct RunJournalTests {
    static let now = StoreTests.now

    static func newRun(actionId: String, accountId: String, key: String? = nil) -> RunRecord {
        RunRecord(
            id: Identifier.make("run"), actionId: actionId, conversationId: nil, trigger: .inConversation, status: .running, dryRun: false,
            input: RunInput(fields: ["email": "ada@example.com"]), idempotencyKey: key, requestHash: key.map { _ in "hash" }, attempts: 1,
            createdAt: now, startedAt: now, accountId: accountId)
    }

    /// A store with an account and an action, read as runs read them.
    static func configured(_ store: Store) async throws -> (Repositories, Action) {
        let repositories = Repositories(store)
        let account = StoreTests.account()
        try await repositories.accounts.insertAccount(account)
        let action = StoreTests.action(accountId: account.id)
        try await repositories.configuration.insertAction(action, now: now)
        _ = try await repositories.configuration.actionForRun(id: action.id)
        _ = try await repositories.accounts.accountForRun(id: account.id)
        return (repositories, action)
    }

    static func opening(_ action: Action, _ runs: [RunRecord], owner: String = "lock_a") -> RunJournal.Opening {
        var opening = RunJournal.Opening(accountId: action.accountId, lockOwner: owner, lockedUntil: now.addingTimeInterval(15), now: now)
        opening.newRuns = runs.map { RunJournal.NewRun(run: $0, leaseOwner: "engine_a", leaseUntil: now.addingTimeInterval(15)) }
        opening.customers = ["ada@example.com"]
        opening.remember = [RememberedFor(email: "ada@example.com", scope: RememberedFor.everyone): ["company_size": "12"]]
        opening.actionIds = [action.id]
        return opening
    }

    /// The close of `runs` by the engine that leased them, giving back lock_a's lock on the customer.
    static func closing(_ action: Action, _ runs: [RunRecord], now: Date) -> RunJournal.Closing {
        var closing = RunJournal.Closing(owner: "engine_a", now: now)
        closing.runs = runs
        closing.accountId = action.accountId
        closing.releasing = ["ada@example.com"]
        closing.lockOwner = "lock_a"
        return closing
    }

    @Test("openingStoresLocksAndRemembersTogether: the new run is stored and leased, the customer locked, the attributes remembered", arguments: Backend.available)
    func openingStoresLocksAndRemembersTogether(backend: Backend) async throws {
        try await withStore(backend) { store in
            let (repositories, action) = try await Self.configured(store)
            let run = Self.newRun(actionId: action.id, accountId: action.accountId)
            let opened = try await repositories.journal.open(Self.opening(action, [run]))
            #expect(opened.locked == ["ada@example.com"])
            #expect(opened.configurationCurrent)
            #expect(try await repositories.runs.run(id: run.id)?.status == .running)
            #expect(try await repositories.runs.extendLeases(ids: [run.id], owner: "engine_a", until: Self.now.addingTimeInterval(20)) == 1)
            let other = try await repositories.customerLocks.acquireCustomerLocks(
                accountId: action.accountId, emails: ["ada@example.com"], owner: "lock_b", until: Self.now.addingTimeInterval(15), now: Self.now)
            #expect(other.isEmpty)
            #expect(try await repositories.contacts.contactAttributes(emails: ["ada@example.com"]) == ["ada@example.com": ["company_size": "12"]])
        }
    }

    @Test("openingWithATakenKeyWritesNothing: a new run whose idempotency key is taken is a conflict, and neither locks nor remembers", arguments: Backend.available)
    func openingWithATakenKeyWritesNothing(backend: Backend) async throws {
        try await withStore(backend) { store in
            let (repositories, action) = try await Self.configured(store)
            try await repositories.runs.insertRun(Self.newRun(actionId: action.id, accountId: action.accountId, key: "key-1"), leaseOwner: "engine_x", leaseUntil: Self.now)
            let duplicate = Self.newRun(actionId: action.id, accountId: action.accountId, key: "key-1")
            await #expect(throws: RepositoryError.self) { _ = try await repositories.journal.open(Self.opening(action, [duplicate])) }
            #expect(try await repositories.runs.run(id: duplicate.id) == nil)
            let other = try await repositories.customerLocks.acquireCustomerLocks(
                accountId: action.accountId, emails: ["ada@example.com"], owner: "lock_b", until: Self.now.addingTimeInterval(15), now: Self.now)
            #expect(other == ["ada@example.com"])
            #expect(try await repositories.contacts.contactAttributes(emails: ["ada@example.com"]).isEmpty)
        }
    }

    @Test("openingFindsConfigurationChangedElsewhere: an action or account another instance changed since it was read is reported, and read again",
          arguments: Backend.available.filter { $0 == .postgres })
    func openingFindsConfigurationChangedElsewhere(backend: Backend) async throws {
        try await withStore(backend) { store in
            let (repositories, action) = try await Self.configured(store)
            // Another instance (its own repositories, its own memory) changes the action, then the account.
            var changed = action
            changed.allowUpdateExisting = true
            try await ConfigurationRepository(store).updateAction(changed, now: Self.now)
            var opening = Self.opening(action, [])
            opening.customers = []
            #expect(try await repositories.journal.open(opening).configurationCurrent == false)
            #expect(try await repositories.configuration.actionForRun(id: action.id)?.action.allowUpdateExisting == true)
            _ = try await repositories.accounts.accountForRun(id: action.accountId)
            #expect(try await repositories.journal.open(opening).configurationCurrent)
            try await AccountRepository(store).updateAccountStatus(id: action.accountId, status: .reconnectRequired, now: Self.now)
            #expect(try await repositories.journal.open(opening).configurationCurrent == false)
            #expect(try await repositories.accounts.accountForRun(id: action.accountId)?.status == .reconnectRequired)
        }
    }

    @Test("openingFindsAgentChangedElsewhere: an agent another instance changed since a tool call read it is reported, in a run's own statement and in a pass's; a change here is read at once",
          arguments: Backend.available)
    func openingFindsAgentChangedElsewhere(backend: Backend) async throws {
        try await withStore(backend) { store in
            let (repositories, action) = try await Self.configured(store)
            var agent = Agent(id: Identifier.make("agt"), name: "Chat", channel: .text, actionIds: [action.id])
            try await repositories.configuration.insertAgent(agent, now: Self.now)
            #expect(try await repositories.configuration.agentForRun(id: agent.id)?.agent.actionIds == [action.id])
            _ = try await repositories.configuration.actionForRun(id: action.id)
            _ = try await repositories.accounts.accountForRun(id: action.accountId)
            var single = Self.opening(action, [Self.newRun(actionId: action.id, accountId: action.accountId)])
            single.agentIds = [agent.id]
            var pass = Self.opening(action, [])
            pass.customers = []
            pass.agentIds = [agent.id]
            #expect(try await repositories.journal.open(single).configurationCurrent)
            #expect(try await repositories.journal.open(pass).configurationCurrent)
            // Another instance (its own repositories, its own memory) takes the action from the agent.
            agent.actionIds = []
            try await ConfigurationRepository(store).updateAgent(agent, now: Self.now)
            if backend == .postgres {
                var again = single
                again.newRuns = [RunJournal.NewRun(run: Self.newRun(actionId: action.id, accountId: action.accountId), leaseOwner: "engine_a", leaseUntil: Self.now.addingTimeInterval(15))]
                #expect(try await repositories.journal.open(again).configurationCurrent == false)
                #expect(try await repositories.configuration.agentForRun(id: agent.id)?.agent.actionIds == [])
                _ = try await repositories.configuration.actionForRun(id: action.id)
                _ = try await repositories.accounts.accountForRun(id: action.accountId)
                #expect(try await repositories.journal.open(pass).configurationCurrent)
                try await ConfigurationRepository(store).updateAgent(agent, now: Self.now)
                #expect(try await repositories.journal.open(pass).configurationCurrent == false)
            }
            // A change through this instance's repositories is read at once, on either database.
            agent.actionIds = [action.id, "act_other"]
            try await repositories.configuration.updateAgent(agent, now: Self.now)
            #expect(try await repositories.configuration.agentForRun(id: agent.id)?.agent.actionIds == [action.id, "act_other"])
        }
    }

    @Test("closingRecordsGivesBackAndSaves: provenance recorded, the lock given back, a leased run saved, a run never stored stored, another's lease left alone",
          arguments: Backend.available)
    func closingRecordsGivesBackAndSaves(backend: Backend) async throws {
        try await withStore(backend) { store in
            let (repositories, action) = try await Self.configured(store)
            var run = Self.newRun(actionId: action.id, accountId: action.accountId)
            var taken = Self.newRun(actionId: action.id, accountId: action.accountId)
            _ = try await repositories.journal.open(Self.opening(action, [run]))
            try await repositories.runs.insertRun(taken, leaseOwner: "engine_other", leaseUntil: Self.now.addingTimeInterval(15))
            var skipped = Self.newRun(actionId: action.id, accountId: action.accountId)
            skipped.status = .succeeded
            skipped.result = RunResult(outcome: .skipped, reason: .missingEmail)
            run.status = .succeeded
            run.result = RunResult(outcome: .created, crmRecordId: "501")
            taken.status = .succeeded
            var closing = Self.closing(action, [run, taken], now: Self.now)
            closing.unstored = [skipped]
            closing.provenance = [(recordId: "501", runId: run.id)]
            let saved = try await repositories.journal.close(closing)
            #expect(saved == [run.id, skipped.id])
            #expect(try await repositories.runs.run(id: run.id)?.result?.crmRecordId == "501")
            #expect(try await repositories.runs.run(id: taken.id)?.status == .running)
            #expect(try await repositories.runs.run(id: skipped.id)?.result?.reason == .missingEmail)
            #expect(try await repositories.runs.createdRecords(accountId: action.accountId, among: ["501"]) == ["501"])
            let other = try await repositories.customerLocks.acquireCustomerLocks(
                accountId: action.accountId, emails: ["ada@example.com"], owner: "lock_b", until: Self.now.addingTimeInterval(15), now: Self.now)
            #expect(other == ["ada@example.com"])
        }
    }

    /// Each opening stores a new run when `withNewRun` (an in-conversation run: on PostgreSQL its prepared
    /// statement), else none (the statement built for any pass).
    @Test("openingTellsWhoHadTheLockBefore: a lock another holder gave back is reported with its age, one it let expire as 0, one never held or the pass's own not at all",
          arguments: Backend.available.filter { $0 == .postgres }, [false, true])
    func openingTellsWhoHadTheLockBefore(backend: Backend, withNewRun: Bool) async throws {
        try await withStore(backend) { store in
            let (repositories, action) = try await Self.configured(store)
            func open(_ opening: RunJournal.Opening) async throws -> RunJournal.Opened {
                var opening = opening
                if withNewRun { opening.newRuns = [RunJournal.NewRun(run: Self.newRun(actionId: action.id, accountId: action.accountId), leaseOwner: "engine_a", leaseUntil: opening.lockedUntil)] }
                return try await repositories.journal.open(opening)
            }
            var opening = Self.opening(action, [])
            opening.customers = ["ada@example.com"]
            #expect(try await open(opening).heldBefore.isEmpty)
            // The pass's own lock, taken again, tells nothing.
            #expect(try await open(opening).heldBefore.isEmpty)
            try await repositories.customerLocks.releaseCustomerLocks(accountId: action.accountId, emails: ["ada@example.com"], owner: "lock_a")
            opening.lockOwner = "lock_b"
            let after = try await open(opening)
            #expect(after.locked == ["ada@example.com"])
            #expect(try #require(after.heldBefore["ada@example.com"]) < 5)
            // Held by lock_b: lock_c does not get it.
            opening.lockOwner = "lock_c"
            #expect(try await open(opening).locked.isEmpty)
            // lock_b dies holding it; once expired, lock_c takes it over: reported as 0.
            opening.now = Self.now.addingTimeInterval(60)
            opening.lockedUntil = opening.now.addingTimeInterval(15)
            let takenOver = try await open(opening)
            #expect(takenOver.locked == ["ada@example.com"])
            #expect(takenOver.heldBefore["ada@example.com"] == 0)
        }
    }

    @Test("closingOneRunRecordsGivesBackAndSaves: an in-conversation run's close records its contact, gives its lock back and saves it only while it holds the lease",
          arguments: Backend.available)
    func closingOneRunRecordsGivesBackAndSaves(backend: Backend) async throws {
        try await withStore(backend) { store in
            let (repositories, action) = try await Self.configured(store)
            var run = Self.newRun(actionId: action.id, accountId: action.accountId)
            #expect(try await repositories.journal.open(Self.opening(action, [run])).locked == ["ada@example.com"])
            run.status = .succeeded
            run.result = RunResult(outcome: .created, crmRecordId: "601")
            run.finishedAt = Self.now
            var closing = RunJournal.Closing(owner: "engine_other", now: Self.now)
            closing.runs = [run]
            // Not its lease: nothing saved.
            #expect(try await repositories.journal.close(closing).isEmpty)
            #expect(try await repositories.runs.run(id: run.id)?.status == .running)
            closing.owner = "engine_a"
            closing.accountId = action.accountId
            closing.provenance = [(recordId: "601", runId: run.id)]
            closing.releasing = ["ada@example.com"]
            closing.lockOwner = "lock_a"
            #expect(try await repositories.journal.close(closing) == [run.id])
            let saved = try await repositories.runs.run(id: run.id)
            #expect(saved?.status == .succeeded)
            #expect(saved?.result?.crmRecordId == "601")
            #expect(saved?.finishedAt == Self.now)
            #expect(try await repositories.runs.createdRecords(accountId: action.accountId, among: ["601", "602"]) == ["601"])
            // One record at a time (on PostgreSQL, the prepared statement): its own account only.
            #expect(try await repositories.runs.createdRecords(accountId: action.accountId, among: ["601"]) == ["601"])
            #expect(try await repositories.runs.createdRecords(accountId: action.accountId, among: ["602"]).isEmpty)
            #expect(try await repositories.runs.createdRecords(accountId: "acc_other", among: ["601"]).isEmpty)
            let other = try await repositories.customerLocks.acquireCustomerLocks(
                accountId: action.accountId, emails: ["ada@example.com"], owner: "lock_b", until: Self.now.addingTimeInterval(15), now: Self.now)
            #expect(other == ["ada@example.com"])
        }
    }

    @Test("openingNamesTheLastContact: on PostgreSQL the lock a run takes names the contact the customer's last run chose, with whether contact-sync created it; a run that chose none leaves it",
          arguments: Backend.available)
    func openingNamesTheLastContact(backend: Backend) async throws {
        try await withStore(backend) { store in
            let (repositories, action) = try await Self.configured(store)
            /// Opens a run for the customer, then closes it having chosen `record` (created by it when `created`).
            func pass(record: String?, created: Bool = false) async throws -> RunJournal.Opened {
                var run = Self.newRun(actionId: action.id, accountId: action.accountId)
                let opened = try await repositories.journal.open(Self.opening(action, [run]))
                run.status = .succeeded
                run.result = record.map { RunResult(outcome: created ? .created : .summaryOnly, crmRecordId: $0) } ?? RunResult(outcome: .skipped)
                run.finishedAt = Self.now
                var closing = Self.closing(action, [run], now: Self.now)
                if created, let record { closing.provenance = [(recordId: record, runId: run.id)] }
                #expect(try await repositories.journal.close(closing) == [run.id])
                return opened
            }
            let expected = { (id: String, ours: Bool) in backend == .postgres ? ["ada@example.com": RunJournal.LastContact(id: id, createdByUs: ours)] : [:] }
            #expect(try await pass(record: "601", created: true).lastContacts.isEmpty)
            #expect(try await pass(record: "777").lastContacts == expected("601", true))
            #expect(try await pass(record: nil).lastContacts == expected("777", false))
            #expect(try await pass(record: "801").lastContacts == expected("777", false))
            // A lock another holder has is not taken, and names nothing.
            _ = try await repositories.customerLocks.acquireCustomerLocks(
                accountId: action.accountId, emails: ["ada@example.com"], owner: "lock_b", until: Self.now.addingTimeInterval(15), now: Self.now)
            let blocked = try await repositories.journal.open(Self.opening(action, [Self.newRun(actionId: action.id, accountId: action.accountId)]))
            #expect(blocked.locked.isEmpty)
            #expect(blocked.lastContacts.isEmpty)
        }
    }

    @Test("aBatchCloseNamesEachContact: on PostgreSQL a pass of several customers gives back each lock naming the contact its customer's last run chose; a customer whose runs chose none keeps the name it had",
          arguments: Backend.available)
    func aBatchCloseNamesEachContact(backend: Backend) async throws {
        try await withStore(backend) { store in
            let (repositories, action) = try await Self.configured(store)
            let (ada, bob) = ("ada@example.com", "bob@example.com")
            /// Opens a pass of `records.count` runs for `customers`, then closes it, each run having chosen its record.
            func pass(_ customers: [String], _ records: [String?], chosen: [String: String], created: [String] = []) async throws -> RunJournal.Opened {
                var runs = records.map { _ in Self.newRun(actionId: action.id, accountId: action.accountId) }
                var opening = Self.opening(action, runs)
                opening.customers = customers
                let opened = try await repositories.journal.open(opening)
                for index in runs.indices {
                    runs[index].status = .succeeded
                    runs[index].result = records[index].map { RunResult(outcome: .updated, crmRecordId: $0) } ?? RunResult(outcome: .skipped)
                    runs[index].finishedAt = Self.now
                }
                var closing = Self.closing(action, runs, now: Self.now)
                closing.releasing = customers
                closing.chosen = chosen
                closing.provenance = created.map { record in (recordId: record, runId: runs[records.firstIndex(of: record)!].id) }
                #expect(try await repositories.journal.close(closing) == Set(runs.map(\.id)))
                return opened
            }
            let named = { (customer: String, id: String, ours: Bool) in backend == .postgres ? [customer: RunJournal.LastContact(id: id, createdByUs: ours)] : [:] }
            // bob's lock names 900, from a run of its own.
            _ = try await pass([bob], ["900"], chosen: [bob: "900"])
            // A batch: ada's run created 601, bob's chose none.
            _ = try await pass([ada, bob], ["601", nil], chosen: [ada: "601"], created: ["601"])
            #expect(try await pass([ada], [nil], chosen: [:]).lastContacts == named(ada, "601", true))
            #expect(try await pass([bob], [nil], chosen: [:]).lastContacts == named(bob, "900", false))
        }
    }

    @Test("closingGivesBackOnlyItsOwnLock: a run whose lock expired and was taken by another holder leaves that holder's lock alone as it closes",
          arguments: Backend.available)
    func closingGivesBackOnlyItsOwnLock(backend: Backend) async throws {
        try await withStore(backend) { store in
            let (repositories, action) = try await Self.configured(store)
            var run = Self.newRun(actionId: action.id, accountId: action.accountId)
            #expect(try await repositories.journal.open(Self.opening(action, [run])).locked == ["ada@example.com"])
            let expired = Self.now.addingTimeInterval(20)
            let taken = try await repositories.customerLocks.acquireCustomerLocks(
                accountId: action.accountId, emails: ["ada@example.com"], owner: "lock_b", until: expired.addingTimeInterval(40), now: expired)
            #expect(taken == ["ada@example.com"])
            run.status = .succeeded
            #expect(try await repositories.journal.close(Self.closing(action, [run], now: expired)) == [run.id])
            let other = try await repositories.customerLocks.acquireCustomerLocks(
                accountId: action.accountId, emails: ["ada@example.com"], owner: "lock_c", until: expired.addingTimeInterval(30), now: expired.addingTimeInterval(10))
            #expect(other.isEmpty)
        }
    }

    @Test("renewingKeepsOnlyWhatIsHeld: a holder's heartbeat keeps its locks on the customers it names, never one it gave back or another holder took over",
          arguments: Backend.available)
    func renewingKeepsOnlyWhatIsHeld(backend: Backend) async throws {
        try await withStore(backend) { store in
            let (repositories, action) = try await Self.configured(store)
            let locks = repositories.customerLocks
            let account = action.accountId
            let emails = ["ada@example.com", "bob@example.com", "cy@example.com"]
            let held = try await locks.acquireCustomerLocks(accountId: account, emails: emails, owner: "lock_a", until: Self.now.addingTimeInterval(15), now: Self.now)
            #expect(held == Set(emails))
            try await locks.releaseCustomerLocks(accountId: account, emails: ["bob@example.com"], owner: "lock_a")
            // cy's lock expires in lock_a's hands, and lock_b takes it over.
            let expired = Self.now.addingTimeInterval(20)
            #expect(try await locks.acquireCustomerLocks(accountId: account, emails: ["cy@example.com"], owner: "lock_b", until: expired.addingTimeInterval(20), now: expired) == ["cy@example.com"])
            try await locks.extendCustomerLocks(accountId: account, emails: emails, owner: "lock_a", until: Self.now.addingTimeInterval(60))
            // Later, ada's renewed lock holds, bob's is free, cy's is lock_b's.
            let later = Self.now.addingTimeInterval(30)
            #expect(try await locks.customerLockHolder(accountId: account, email: "ada@example.com", now: later) == "lock_a")
            #expect(try await locks.customerLockHolder(accountId: account, email: "bob@example.com", now: later) == nil)
            #expect(try await locks.customerLockHolder(accountId: account, email: "cy@example.com", now: later) == "lock_b")
            #expect(try await locks.customerLockHolder(accountId: account, email: "ada@example.com", now: Self.now.addingTimeInterval(61)) == nil)
            #expect(try await locks.acquireCustomerLocks(accountId: account, emails: emails, owner: "lock_c", until: later.addingTimeInterval(15), now: later) == ["bob@example.com"])
        }
    }

    /// PostgreSQL keeps one plan for a prepared statement, often made while the tables were small; this plans
    /// the in-conversation statements as if so (a generic plan, a table of a page), and reads where they
    /// reach `customer_locks`.
    @Test("preparedStatementsReachLocksByKey: whatever plan PostgreSQL keeps for them, an in-conversation run's opening and closing reach its customer's lock through the key, never by scanning every lock",
          arguments: Backend.available.filter { $0 == .postgres })
    func preparedStatementsReachLocksByKey(backend: Backend) async throws {
        try await withStore(backend) { store in
            let (repositories, action) = try await Self.configured(store)
            let emails = (1...11).map { "customer\($0)@example.com" }
            _ = try await repositories.customerLocks.acquireCustomerLocks(
                accountId: action.accountId, emails: emails, owner: "proc_a.lock_a", until: Self.now.addingTimeInterval(15), now: Self.now)
            try await store.database.raw("ANALYZE customer_locks").run()
            let statements = [
                ("open_run", PreparedRunStatements.OpenRun.sql, PreparedRunStatements.OpenRun.bindingDataTypes),
                ("close_run", PreparedRunStatements.CloseRun.sql, PreparedRunStatements.CloseRun.bindingDataTypes),
            ]
            for (name, sql, types) in statements {
                let plan = try await store.transaction { db in
                    try await db.raw("SET LOCAL plan_cache_mode = force_generic_plan").run()
                    let parameters = types.map { $0.knownSQLName ?? "TEXT" }.joined(separator: ", ")
                    let arguments = Array(repeating: "NULL", count: types.count).joined(separator: ", ")
                    let (prepare, explain, deallocate) = (
                        "PREPARE plan_check_\(name) (\(parameters)) AS \(sql)", "EXPLAIN EXECUTE plan_check_\(name) (\(arguments))", "DEALLOCATE plan_check_\(name)")
                    try await db.raw(SQLQueryString(prepare)).run()
                    let rows = try await db.raw(SQLQueryString(explain)).all()
                    try await db.raw(SQLQueryString(deallocate)).run()
                    return try rows.map { try $0.decode(column: "QUERY PLAN", as: String.self) }.joined(separator: "\n")
                }
                #expect(plan.contains("Arbiter Indexes: customer_locks_pkey"), "\(name): \(plan)")
                #expect(!plan.contains("Scan on customer_locks"), "\(name): \(plan)")
            }
        }
    }

    @Test("an in-conversation run's opening and closing have statements of fixed text; any other pass's are built for it")
    func preparedStatementsServeOneRunOnly() async throws {
        let action = StoreTests.action(accountId: "acc_1")
        let run = Self.newRun(actionId: action.id, accountId: action.accountId)
        let versions = ConfigurationVersions(actions: [action.id: 3], accountId: action.accountId, accountVersion: 1)
        #expect(PreparedRunStatements.OpenRun(Self.opening(action, [run]), versions: versions) != nil)
        #expect(PreparedRunStatements.OpenRun(Self.opening(action, [run]), versions: nil) == nil)
        #expect(PreparedRunStatements.OpenRun(Self.opening(action, []), versions: versions) == nil)
        #expect(PreparedRunStatements.OpenRun(Self.opening(action, [run, Self.newRun(actionId: action.id, accountId: action.accountId)]), versions: versions) == nil)
        var twoCustomers = Self.opening(action, [run])
        twoCustomers.customers = ["ada@example.com", "+14155550142"]
        #expect(PreparedRunStatements.OpenRun(twoCustomers, versions: versions) == nil)
        var closing = RunJournal.Closing(owner: "engine_a", now: Self.now)
        closing.runs = [run]
        #expect(PreparedRunStatements.CloseRun(closing) != nil)
        closing.unstored = [Self.newRun(actionId: action.id, accountId: action.accountId)]
        #expect(PreparedRunStatements.CloseRun(closing) == nil)
    }
}
