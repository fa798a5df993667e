import ContactSyncCore
import ContactSyncStore
import ContactSyncTestSupport
import Synchronization
import Testing

@testable import ContactSyncRuntime

@Suite("Customer turns within one process")
struct CustomerTurnsTests {
    static let key = CustomerTurns.Key(accountId: "acc", email: "a@example.com")

    /// What `body` gives back, or nil when it has not given anything back within `limit` (it is cancelled then).
    static func within<T: Sendable>(_ limit: Duration, _ body: @escaping @Sendable () async throws -> T) async throws -> T? {
        try await withThrowingTaskGroup(of: T?.self) { group in
            group.addTask { try await body() }
            group.addTask {
                try await Task.sleep(for: limit)
                return nil
            }
            let first = try await group.next() ?? nil
            group.cancelAll()
            return first
        }
    }

    @Test("runs of one customer take turns in arrival order; other customers are free")
    func turnsInOrder() async throws {
        let key = Self.key
        let turns = CustomerTurns()
        #expect(await turns.take(waitingFor: key))
        #expect(turns.take(free: [key, CustomerTurns.Key(accountId: "acc", email: "b@example.com")]).map(\.email) == ["b@example.com"])
        let order = Order()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for index in 0..<3 {
                group.addTask {
                    #expect(await turns.take(waitingFor: key))
                    order.append(index)
                    turns.give([key])
                }
                // The next waiter arrives once this one has queued.
                try await waitUntil { turns.waiting(for: key) == index + 1 }
            }
            turns.give([key])
            try await group.waitForAll()
        }
        #expect(order.values == [0, 1, 2])
        #expect(turns.take(free: [key]) == [key])
    }

    @Test("customerTurnsCannotLoseAWakeUp: a key given back between finding it taken and queueing for it is taken at once")
    func customerTurnsCannotLoseAWakeUp() async throws {
        let key = Self.key
        let holder = Mutex<CustomerTurns?>(nil)
        // The holder gives the key back at the worst moment: after the waiter found it taken, before it queued.
        let turns = CustomerTurns(beforeQueueing: { holder.withLock { $0 }?.give([key]) })
        holder.withLock { $0 = turns }
        #expect(turns.take(free: [key]) == [key])
        // A lost wake-up would leave the waiter queued for a key nobody gives back, until the guard's minute.
        let took = try await Self.within(.seconds(60)) { await turns.take(waitingFor: key) }
        #expect(took == true)
        #expect(turns.take(free: [key]).isEmpty)
    }

    @Test("turnWaitIsBoundedByItsDeadline: a wait for a busy customer ends at its deadline, gives up its place and takes nothing")
    func turnWaitIsBoundedByItsDeadline() async throws {
        let key = Self.key
        let turns = CustomerTurns()
        #expect(turns.take(free: [key]) == [key])
        let clock = ContinuousClock()
        let started = clock.now
        // The key is never given back, so a wait that ignored its deadline would last until the guard's minute.
        let ended = try await Self.within(.seconds(60)) { await turns.take(waitingFor: key, until: started + .milliseconds(200)) }
        let took = try #require(ended as Bool?, "the wait outlived its deadline by a minute")
        #expect(!took)
        #expect(clock.now - started >= .milliseconds(200))
        // The timed-out wait left the queue: the key given back becomes free.
        turns.give([key])
        #expect(turns.take(free: [key]) == [key])
    }

    @Test("a bounded wait takes a free key at once, even with its deadline passed; a taken key is not taken twice")
    func boundedWaitTakesAFreeKey() async throws {
        let key = Self.key
        let turns = CustomerTurns()
        let passed = ContinuousClock.now - .seconds(1)
        #expect(await turns.take(waitingFor: key, until: passed))
        #expect(turns.take(free: [key]).isEmpty)
        #expect(await turns.take(waitingFor: key, until: passed) == false)
        turns.give([key])
        #expect(turns.take(free: [key]) == [key])
    }

    @Test("inConversationWaitIsBounded: an in-conversation run whose customer's turn is held in this process answers pending at its deadline, and completes in the background", arguments: [CRM.hubspot, .salesforce])
    func inConversationWaitIsBounded(crm: CRM) async throws {
        try await withRuntime(.sqlite) { rt in
            var settings = RunEngine.Settings()
            settings.customerWait = .milliseconds(300)
            let engine = RunEngine(repositories: rt.repositories, connectors: rt.connectors, logger: Runtime.quiet, settings: settings, now: rt.clock.closure)
            let account = try await rt.account(crm)
            let action = try await rt.action(crm, account: account, offline: false)
            // Another run of this customer holds its turn and does not finish.
            #expect(engine.pipeline.turns.take(free: [CustomerTurns.Key(accountId: account, email: "held@example.com")]).count == 1)
            // The held turn is never given back while the run waits, so a wait that ignored its deadline would
            // last until the guard's minute.
            let run = try await Self.within(.seconds(60)) {
                try await engine.run(RunEngine.Request(actionId: action, conversationId: nil, input: RunInput(fields: ["email": "held@example.com", "last_name": "H"])))
            }
            let answered = try #require(run, "the run was still waiting after a minute")
            #expect(answered.status == .pending)
            let next = try #require(answered.nextAttemptAt)
            // The other run gives the turn back; the queue completes this one.
            engine.pipeline.turns.give([CustomerTurns.Key(accountId: account, email: "held@example.com")])
            rt.clock.advance(next.timeIntervalSince(rt.clock.now) + 0.001)
            let offline = OfflineSync(repositories: rt.repositories, engine: engine, logger: Runtime.quiet, now: rt.clock.closure)
            try await offline.tick()
            #expect(try await rt.repositories.runs.run(id: answered.id)?.status == .succeeded)
            #expect(try await rt.contacts(crm, email: "held@example.com").count == 1)
        }
    }

    @Test("inConversationLockIsRenewed: an in-conversation run keeps its customer's lock while slow CRM calls outlast the lock's lifetime", arguments: Backend.available)
    func inConversationLockIsRenewed(backend: Backend) async throws {
        try await withRuntime(backend) { rt in
            var settings = RunEngine.Settings()
            settings.lockLifetime = 0.3
            let engine = RunEngine(repositories: rt.repositories, connectors: rt.connectors, logger: Runtime.quiet, settings: settings, now: rt.clock.closure)
            let account = try await rt.account(.salesforce)
            let action = try await rt.action(.salesforce, account: account, offline: false)
            // The CRM holds every request until the test lets it go, so the run is under way throughout.
            try await rt.faults(.salesforce, #"{"holdRoutes":["*"]}"#)
            @Sendable func received() async throws -> Int { try await rt.emulator(.salesforce, .GET, "/_emulator/requests").1["total"] as? Int ?? 0 }
            let before = try await received()
            let run = Task {
                try await engine.run(RunEngine.Request(actionId: action, conversationId: nil, input: RunInput(fields: ["email": "slow@example.com", "last_name": "S"])))
            }
            // The run holds the lock before its first CRM call. Then the lock's lifetime passes many times over:
            // the lock has no holder until the run renews it (every 0.1 s).
            try await waitUntil { try await received() > before }
            rt.clock.advance(5)
            try await waitUntil {
                try await rt.repositories.customerLocks.customerLockHolder(accountId: account, email: "slow@example.com", now: rt.clock.now) != nil
            }
            let stolen = try await rt.repositories.customerLocks.acquireCustomerLocks(
                accountId: account, emails: ["slow@example.com"], owner: "another-instance", until: rt.clock.now.addingTimeInterval(60), now: rt.clock.now)
            #expect(stolen.isEmpty)
            try await rt.faults(.salesforce, "{}")
            let finished = try await run.value
            #expect(finished.status == .succeeded)
        }
    }

    @Test("a cancelled wait gives up its place and takes nothing")
    func cancelledWait() async throws {
        let key = Self.key
        let turns = CustomerTurns()
        #expect(await turns.take(waitingFor: key))
        let waiting = Task { await turns.take(waitingFor: key) }
        try await waitUntil { turns.waiting(for: key) == 1 }
        waiting.cancel()
        #expect(await waiting.value == false)
        #expect(turns.waiting(for: key) == 0)
        turns.give([key])
        #expect(turns.take(free: [key]) == [key])
    }
}

/// The order in which waiters got their turn.
final class Order: Sendable {
    private let list = Mutex<[Int]>([])
    func append(_ value: Int) { list.withLock { $0.append(value) } }
    var values: [Int] { list.withLock { $0 } }
}
