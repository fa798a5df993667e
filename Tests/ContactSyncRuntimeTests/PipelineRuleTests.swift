import ContactSyncCRM
import ContactSyncCore
import ContactSyncStore
import ContactSyncTestSupport
import Foundation
import Testing

@testable import ContactSyncRuntime

/// The rules of one run pipeline (ARCHITECTURE §3, step 3; §4; §1): every trigger goes through it, and
/// nothing is lost or written twice. Each test runs on both CRMs where the rule applies and on both
/// databases.
@Suite("One run pipeline: nothing lost, nothing written twice")
struct PipelineRuleTests {
    static let crms: [CRM] = [.hubspot, .salesforce]

    @Test("provenance from contact-sync's own records only: the connected user's own contact gets only the summary", arguments: Backend.available, crms)
    func provenanceFromOwnRecordsOnly(backend: Backend, crm: CRM) async throws {
        try await withRuntime(backend) { rt in
            // The connected login is a person's; what that person created by hand is theirs, not contact-sync's.
            let account = try await rt.accounts.connect(
                crm == .hubspot
                    ? .hubspotToken(name: "Acme", accessToken: "test-person", baseURL: rt.url(.hubspot))
                    : .salesforceSession(name: "Acme", instanceURL: rt.url(.salesforce), accessToken: "test-person", refreshToken: nil, clientId: nil, clientSecret: nil, loginURL: nil)
            ).id
            let id = try await rt.contact(crm, email: "own@example.com", firstName: "Kept", token: "test-person")
            let action = try await rt.action(crm, account: account, offline: false, allowCreate: true, allowUpdateExisting: false)
            let run = try await rt.engine.run(RunEngine.Request(
                actionId: action, conversationId: nil, input: RunInput(fields: ["email": "own@example.com", "first_name": "Changed", "last_name": "L"], summary: "Asked for a demo.")))
            #expect(run.status == .succeeded)
            #expect(run.result?.outcome == .summaryOnly)
            #expect(run.result?.crmRecordId == id)
            #expect(try await rt.contactField(crm, id: id, field: crm == .hubspot ? "firstname" : "FirstName") == "Kept")
        }
    }

    @Test("one writer per customer: two instances running the same customer at once create one contact and one note", arguments: Backend.available, crms)
    func oneWriterPerCustomer(backend: Backend, crm: CRM) async throws {
        try await withRuntime(backend) { rt in
            let account = try await rt.account(crm)
            let action = try await rt.action(crm, account: account, offline: false, allowCreate: true, allowUpdateExisting: true)
            let agent = try await rt.agent(.text, actions: [action])
            let chat = try await rt.conversation(agent: agent, attributes: ["email": "twice@example.com", "last_name": "T"], summary: "Same call.")
            try await rt.faults(crm, #"{"latencyMs":40}"#)
            // A second instance: its own engine and connectors, the same database.
            let other = RunEngine(repositories: rt.repositories, connectors: try rt.secondConnectors(), logger: Runtime.quiet, now: rt.clock.closure)
            let request = RunEngine.Request(actionId: action, conversationId: chat, input: RunInput())
            async let first = rt.engine.run(request)
            async let second = other.run(request)
            let runs = try await [first, second]
            #expect(runs.map(\.status) == [.succeeded, .succeeded])
            #expect(Set(runs.compactMap(\.result?.outcome)) == [.created, .updated])
            #expect(Set(runs.compactMap(\.result?.crmRecordId)).count == 1)
            #expect(try await rt.contacts(crm, email: "twice@example.com").count == 1)
            if crm == .hubspot {
                #expect(try await rt.noteCount(contact: runs[0].result!.crmRecordId!) == 1)
            }
        }
    }

    @Test("one writer per customer: an in-conversation run beside an offline run of the same customer creates one contact", arguments: Backend.available, crms)
    func inConversationBesideOffline(backend: Backend, crm: CRM) async throws {
        try await withRuntime(backend) { rt in
            let account = try await rt.account(crm)
            let live = try await rt.action(crm, account: account, offline: false)
            let offline = try await rt.action(crm, account: account, offline: true)
            let agent = try await rt.agent(.voice, actions: [live, offline])
            let call = try await rt.conversation(agent: agent, attributes: ["email": "beside@example.com", "last_name": "B"], summary: "S")
            try await rt.faults(crm, #"{"latencyMs":40}"#)
            _ = try await rt.conversations.end(conversationId: call)
            async let tick = rt.offline.tick()
            async let run = rt.engine.run(RunEngine.Request(actionId: live, conversationId: call, input: RunInput()))
            _ = try await (tick, run)
            // The run that found its customer busy is tried again shortly.
            rt.clock.advance(1)
            try await rt.offline.tick()
            let runs = try await rt.runs(conversation: call)
            #expect(runs.map(\.status) == [.succeeded, .succeeded])
            #expect(try await rt.contacts(crm, email: "beside@example.com").count == 1)
        }
    }

    @Test("retry is an atomic claim: two concurrent retries of a failed run carry it out once", arguments: Backend.available, crms)
    func retryIsAnAtomicClaim(backend: Backend, crm: CRM) async throws {
        try await withRuntime(backend, runs: .failingAtOnce) { rt in
            let account = try await rt.account(crm)
            let action = try await rt.action(crm, account: account, offline: false)
            try await rt.faults(crm, #"{"rate5xx":1}"#)
            let failed = try await rt.engine.run(RunEngine.Request(actionId: action, conversationId: nil, input: RunInput(fields: ["email": "retry@example.com", "last_name": "R"])))
            #expect(failed.status == .failed)
            try await rt.faults(crm, #"{"latencyMs":40}"#)
            async let first = outcome { () async throws(ServiceError) in try await rt.engine.retry(runId: failed.id) }
            async let second = outcome { () async throws(ServiceError) in try await rt.engine.retry(runId: failed.id) }
            let results = await [first, second]
            let carriedOut = results.compactMap { try? $0.get() }
            #expect(carriedOut.count == 1)
            #expect(carriedOut.first?.status == .succeeded)
            #expect(results.compactMap { result -> ServiceError.Code? in if case .failure(let error) = result { error.code } else { nil } } == [.notRetryable])
            #expect(try await rt.repositories.runs.run(id: failed.id)?.attempts == 2)
            #expect(try await rt.contacts(crm, email: "retry@example.com").count == 1)
        }
    }

    @Test("a request repeating an in-flight Idempotency-Key waits for the first run's result", arguments: Backend.available, crms)
    func idempotentRequestWaitsForTheFirst(backend: Backend, crm: CRM) async throws {
        try await withRuntime(backend) { rt in
            let account = try await rt.account(crm)
            let action = try await rt.action(crm, account: account, offline: false)
            try await rt.faults(crm, #"{"latencyMs":150}"#)
            let request = RunEngine.Request(
                actionId: action, conversationId: nil, input: RunInput(fields: ["email": "idem@example.com", "last_name": "I"]), idempotencyKey: "key-1")
            async let first = rt.engine.run(request)
            async let second = rt.engine.run(request)
            let runs = try await [first, second]
            #expect(runs[0].id == runs[1].id)
            #expect(runs.map(\.status) == [.succeeded, .succeeded])
            #expect(try await rt.contacts(crm, email: "idem@example.com").count == 1)
        }
    }

    @Test("leases fence CRM writes: a worker that can no longer vouch for its lease stops before writing", arguments: Backend.available, crms)
    func leasesFenceWrites(backend: Backend, crm: CRM) async throws {
        try await withRuntime(backend) { rt in
            let account = try await rt.account(crm)
            let action = try await rt.action(crm, account: account, offline: true)
            let agent = try await rt.agent(.voice, actions: [action])
            let call = try await rt.conversation(agent: agent, attributes: ["email": "fenced@example.com", "last_name": "F"], summary: "S")
            _ = try await rt.conversations.end(conversationId: call)
            // The CRM holds every request until the test lets it go.
            try await rt.faults(crm, #"{"holdRoutes":["*"]}"#)
            let before = try await rt.requestCount(crm)
            async let tick = rt.offline.tick()
            // While the lookup is under way, the lease runs out (the heartbeat has not renewed it).
            try await waitUntil { try await rt.requestCount(crm) > before }
            rt.clock.advance(100)
            try await rt.faults(crm, "{}")
            _ = try await tick
            let run = try #require(try await rt.runs(conversation: call).first)
            #expect(run.status == .pending)
            #expect(run.attempts == 0)
            #expect(try await rt.writeCount(crm) == 0)
            #expect(try await rt.contacts(crm, email: "fenced@example.com").isEmpty)
        }
    }

    @Test("leaseFenceGuardsSecondStageWrites: a lease that ends while the contact is created stops the note unsent; the run is due again and finishes once", arguments: Backend.available)
    func leaseFenceGuardsSecondStageWrites(backend: Backend) async throws {
        try await withRuntime(backend) { rt in
            let account = try await rt.account(.hubspot)
            let action = try await rt.action(.hubspot, account: account, offline: true)
            let call = try await rt.conversation(agent: try await rt.agent(.voice, actions: [action]), attributes: ["email": "stage@example.com", "last_name": "S"], summary: "Two stages.")
            _ = try await rt.conversations.end(conversationId: call)
            // The CRM holds the contact's creation until the test lets it go.
            try await rt.faults(.hubspot, #"{"holdRoutes":["POST /crm/v3/objects/contacts/batch/create"]}"#)
            async let tick = rt.offline.tick()
            // While the contact is being created, the lease runs out (the heartbeat has not renewed it).
            try await waitUntil { try await rt.writeCount(.hubspot) > 0 }
            rt.clock.advance(100)
            try await rt.faults(.hubspot, "{}")
            _ = try await tick
            let contacts = try await rt.contacts(.hubspot, email: "stage@example.com")
            #expect(contacts.count == 1)
            let id = try #require(contacts.first)
            #expect(try await rt.noteCount(contact: id) == 0)
            let deferred = try #require(try await rt.runs(conversation: call).first)
            #expect(deferred.status == .pending)

            try await rt.faults(.hubspot, "{}")
            rt.clock.advance(1)
            try await rt.offline.tick()
            let run = try #require(try await rt.runs(conversation: call).first)
            #expect(run.status == .succeeded)
            #expect(run.result?.crmRecordId == id)
            #expect(try await rt.contacts(.hubspot, email: "stage@example.com") == [id])
            #expect(try await rt.noteCount(contact: id) == 1)
        }
    }

    @Test("batch notes are matched to runs by a unique trace: identical summaries in one batch get their own notes", arguments: Backend.available)
    func batchNotesMatchedByTrace(backend: Backend) async throws {
        try await withRuntime(backend) { rt in
            let account = try await rt.account(.hubspot)
            let action = try await rt.action(.hubspot, account: account, offline: true)
            let agent = try await rt.agent(.voice, actions: [action])
            var calls: [String] = []
            for index in 0..<3 {
                calls.append(try await rt.conversation(agent: agent, attributes: ["email": "same\(index)@example.com"], summary: "Identical summary."))
            }
            for call in calls { _ = try await rt.conversations.end(conversationId: call) }
            try await rt.offline.tick()
            var notes: Set<String> = []
            for call in calls {
                let run = try #require(try await rt.runs(conversation: call).first)
                #expect(run.status == .succeeded)
                #expect(run.result?.batchSize == 3)
                let noteId = try #require(run.result?.noteId)
                notes.insert(noteId)
                #expect(try await rt.noteContact(noteId) == run.result?.crmRecordId)
            }
            #expect(notes.count == 3)
        }
    }

    @Test("per-record transient CRM errors (UNABLE_TO_LOCK_ROW) are retryable; rejections are not")
    func perRecordTransientErrorsAreRetryable() {
        let locked = RunFailure(CRMError(.crmRejected, "unable to obtain exclusive access to this record", crmCode: "UNABLE_TO_LOCK_ROW"))
        #expect(locked.retryable)
        #expect(locked.crmCode == "UNABLE_TO_LOCK_ROW")
        let rejected = RunFailure(CRMError(.crmRejected, "Use one of these records?", crmCode: "DUPLICATES_DETECTED"))
        #expect(!rejected.retryable)
        #expect(rejected.code == "crm_rejected")
    }

    @Test("offline transient failures keep retrying with backoff as pending, for up to the retry window", arguments: Backend.available, crms)
    func offlineRetriesWithinTheWindow(backend: Backend, crm: CRM) async throws {
        var runs = RunEngine.Settings()
        runs.retryWindow = 24 * 3600
        try await withRuntime(backend, runs: runs) { rt in
            let account = try await rt.account(crm)
            let action = try await rt.action(crm, account: account, offline: true)
            let agent = try await rt.agent(.voice, actions: [action])
            let call = try await rt.conversation(agent: agent, attributes: ["email": "later@example.com", "last_name": "L"])
            _ = try await rt.conversations.end(conversationId: call)
            try await rt.faults(crm, #"{"rate5xx":1}"#)
            for _ in 0..<3 {
                try await rt.offline.tick()
                let run = try #require(try await rt.runs(conversation: call).first)
                #expect(run.status == .pending)
                let next = try #require(run.nextAttemptAt)
                #expect(next > rt.clock.now)
                #expect(run.result?.error?.retryable == true)
                rt.clock.advance(next.timeIntervalSince(rt.clock.now) + 0.001)
            }
            rt.clock.advance(24 * 3600)
            try await rt.offline.tick()
            #expect(try await rt.runs(conversation: call).first?.status == .failed)
        }
    }

    @Test("retryWindowCountsFromWhenTheRunCouldRun: a day waiting for its account does not use up a run's retry window", arguments: Backend.available, crms)
    func retryWindowCountsFromWhenTheRunCouldRun(backend: Backend, crm: CRM) async throws {
        var runs = RunEngine.Settings()
        runs.retryWindow = 24 * 3600
        try await withRuntime(backend, runs: runs) { rt in
            let account = try await rt.account(crm)
            let action = try await rt.action(crm, account: account, offline: true)
            let call = try await rt.conversation(agent: try await rt.agent(.voice, actions: [action]), attributes: ["email": "window@example.com", "last_name": "W"])
            await rt.connectors.markReconnectRequired(accountId: account)
            _ = try await rt.conversations.end(conversationId: call)
            try await rt.offline.tick()
            #expect(try await rt.runs(conversation: call).first?.status == .waitingForAccount)

            // Reconnected 30 hours later, while the CRM is down: the run keeps retrying.
            rt.clock.advance(30 * 3600)
            _ = try await rt.accounts.reconnect(accountId: account, .emulator(crm: crm, name: nil, baseURL: rt.url(crm)))
            try await rt.faults(crm, #"{"rate5xx":1}"#)
            try await rt.offline.tick()
            let retrying = try #require(try await rt.runs(conversation: call).first)
            #expect(retrying.status == .pending)
            #expect(retrying.result?.error?.retryable == true)

            // A day of failures after that ends it.
            rt.clock.advance(24 * 3600 + 1)
            try await rt.offline.tick()
            #expect(try await rt.runs(conversation: call).first?.status == .failed)
        }
    }

    @Test("writtenRecordIdsAreKept: a contact written by one attempt stays on the run through later attempts that fail before writing")
    func writtenRecordIdsAreKept() async throws {
        for backend in Backend.available {
            try await withRuntime(backend) { rt in
                let account = try await rt.account(.hubspot)
                let action = try await rt.action(.hubspot, account: account, offline: true)
                let call = try await rt.conversation(agent: try await rt.agent(.voice, actions: [action]), attributes: ["email": "kept-id@example.com", "last_name": "K"], summary: "Notes.")
                _ = try await rt.conversations.end(conversationId: call)
                // The contact is created; its note fails.
                try await rt.faults(.hubspot, #"{"routeRate5xx":{"POST /crm/v3/objects/notes/batch/create":1}}"#)
                try await rt.offline.tick()
                let first = try #require(try await rt.runs(conversation: call).first)
                #expect(first.status == .pending)
                let id = try #require(first.result?.crmRecordId)
                // The next attempt fails before it writes anything: the record id stays.
                try await rt.faults(.hubspot, #"{"rate5xx":1}"#)
                rt.clock.advance(try #require(first.nextAttemptAt).timeIntervalSince(rt.clock.now) + 0.001)
                try await rt.offline.tick()
                let second = try #require(try await rt.runs(conversation: call).first)
                #expect(second.status == .pending)
                #expect(second.attempts == 2)
                #expect(second.result?.crmRecordId == id)
                try await rt.faults(.hubspot, "{}")
                rt.clock.advance(try #require(second.nextAttemptAt).timeIntervalSince(rt.clock.now) + 0.001)
                try await rt.offline.tick()
                let done = try #require(try await rt.runs(conversation: call).first)
                #expect(done.status == .succeeded)
                #expect(done.result?.crmRecordId == id)
                #expect(try await rt.contacts(.hubspot, email: "kept-id@example.com") == [id])
                #expect(try await rt.noteCount(contact: id) == 1)
            }
        }
    }

    @Test("handMadeContactBetweenAttemptsIsNotOurs: a contact the connected user makes by hand between two attempts that never sent a create is not taken for a lost create", arguments: Backend.available, crms)
    func handMadeContactBetweenAttemptsIsNotOurs(backend: Backend, crm: CRM) async throws {
        try await withRuntime(backend) { rt in
            let account = try await rt.account(crm)
            let action = try await rt.action(crm, account: account, offline: true, allowCreate: true, allowUpdateExisting: false)
            let email = "by-hand-\(crm.rawValue)@example.com"
            let call = try await rt.conversation(agent: try await rt.agent(.voice, actions: [action]), attributes: ["email": email, "first_name": "Agent", "last_name": "Said"], summary: "Asked for a quote.")
            _ = try await rt.conversations.end(conversationId: call)
            // The first attempt fails before it sends anything.
            try await rt.faults(crm, #"{"rate5xx":1}"#)
            try await rt.offline.tick()
            let first = try #require(try await rt.runs(conversation: call).first)
            #expect(first.status == .pending)
            #expect(first.createSentAt == nil)
            // The run began a minute ago by the CRM's clock (the emulator keeps real time).
            try await rt.store.database.raw("UPDATE runs SET created_at = \(bind: Date().timeIntervalSince1970 - 60) WHERE id = \(bind: first.id)").run()
            // Meanwhile the connected user creates the customer by hand, with the account's own credentials.
            try await rt.faults(crm, "{}")
            let token = try rt.connectors.credentials(of: try #require(try await rt.repositories.accounts.account(id: account))).accessToken
            let handMade = try await rt.contact(crm, email: email, firstName: "Typed", token: token)
            rt.clock.advance(try #require(first.nextAttemptAt).timeIntervalSince(rt.clock.now) + 0.001)
            try await rt.offline.tick()
            let run = try #require(try await rt.runs(conversation: call).first)
            #expect(run.status == .succeeded)
            #expect(run.result?.crmRecordId == handMade)
            // Not ours, and updates are off: the name typed by hand stays; only the summary is written.
            #expect(try await rt.contactField(crm, id: handMade, field: crm == .hubspot ? "firstname" : "FirstName") == "Typed")
            #expect(try await rt.contacts(crm, email: email) == [handMade])
            #expect(try await rt.repositories.runs.createdRecords(accountId: account, among: [handMade]).isEmpty)
        }
    }

    @Test("lastContactKnownAtOpen: a returning customer's contact is known as ours, or not, as its lock is taken; a different contact found since is read as before", arguments: Backend.available, crms)
    func lastContactKnownAtOpen(backend: Backend, crm: CRM) async throws {
        try await withRuntime(backend) { rt in
            let account = try await rt.account(crm)
            let guarded = try await rt.action(crm, account: account, offline: false, allowCreate: true, allowUpdateExisting: false)
            let email = "returning-\(crm.rawValue)@example.com"
            let firstName = crm == .hubspot ? "firstname" : "FirstName"
            func run(_ name: String) async throws -> RunRecord {
                try await rt.engine.run(RunEngine.Request(
                    actionId: guarded, conversationId: nil, input: RunInput(fields: ["email": email, "first_name": name, "last_name": "R"], summary: "Talked again.")))
            }
            let created = try await run("One")
            #expect(created.result?.outcome == .created)
            let ours = try #require(created.result?.crmRecordId)
            // The lock the next run takes names that contact, which contact-sync created: updated although updates are off.
            let again = try await run("Two")
            #expect(again.result?.outcome == .updated)
            #expect(again.result?.crmRecordId == ours)
            #expect(try await rt.contactField(crm, id: ours, field: firstName) == "Two")
            // The person gives that contact another email and makes one by hand with this one.
            try await rt.editByHand(crm, id: ours, field: crm == .hubspot ? "email" : "Email", value: "moved-\(crm.rawValue)@example.com")
            let handMade = try await rt.contact(crm, email: email, firstName: "Typed", token: "test-hand")
            // The lock still names contact-sync's own contact; the one found is not it, and is not ours.
            let third = try await run("Three")
            #expect(third.result?.outcome == .summaryOnly)
            #expect(third.result?.crmRecordId == handMade)
            #expect(try await rt.contactField(crm, id: handMade, field: firstName) == "Typed")
            // Now the lock names the hand-made contact, known as not ours.
            let fourth = try await run("Four")
            #expect(fourth.result?.outcome == .summaryOnly)
            #expect(fourth.result?.crmRecordId == handMade)
            #expect(try await rt.contactField(crm, id: handMade, field: firstName) == "Typed")
            #expect(try await rt.contactField(crm, id: ours, field: firstName) == "Two")
        }
    }

    @Test("aBatchNamesEachCustomersContact: an offline batch gives each customer's lock back naming the contact its run chose (PostgreSQL; SQLite names none)", arguments: Backend.available, crms)
    func aBatchNamesEachCustomersContact(backend: Backend, crm: CRM) async throws {
        try await withRuntime(backend) { rt in
            let account = try await rt.account(crm)
            let action = try await rt.action(crm, account: account, offline: true)
            let agent = try await rt.agent(.voice, actions: [action])
            let emails = ["first-\(crm.rawValue)@example.com", "second-\(crm.rawValue)@example.com"]
            var calls: [String] = []
            for email in emails {
                calls.append(try await rt.conversation(agent: agent, attributes: ["email": email, "first_name": "Batch", "last_name": "Named"], summary: "Called."))
            }
            for call in calls { _ = try await rt.conversations.end(conversationId: call) }
            try await rt.offline.tick()
            var chosen: [String: String] = [:]
            for (email, call) in zip(emails, calls) {
                let run = try #require(try await rt.runs(conversation: call).first)
                #expect(run.status == .succeeded)
                #expect(run.result?.batchSize == 2)
                chosen[email] = try #require(run.result?.crmRecordId)
            }
            let rows = try await rt.store.database.raw("SELECT email, record_id FROM customer_locks WHERE account_id = \(bind: account)").all()
            var named: [String: String] = [:]
            for row in rows { named[try row.decode(column: "email", as: String.self)] = try row.decode(column: "record_id", as: String?.self) }
            #expect(named == (backend == .postgres ? chosen : [:]))
        }
    }

    @Test("lostCreateIsRecognised: a contact made since an earlier attempt sent its create is that create, its answer lost: taken as ours and recorded", arguments: Backend.available, crms)
    func lostCreateIsRecognised(backend: Backend, crm: CRM) async throws {
        try await withRuntime(backend) { rt in
            let account = try await rt.account(crm)
            let action = try await rt.action(crm, account: account, offline: true, allowCreate: true, allowUpdateExisting: false)
            let email = "lost-\(crm.rawValue)@example.com"
            let call = try await rt.conversation(agent: try await rt.agent(.voice, actions: [action]), attributes: ["email": email, "first_name": "Agent", "last_name": "Said"], summary: "Asked for a quote.")
            _ = try await rt.conversations.end(conversationId: call)
            try await rt.faults(crm, #"{"rate5xx":1}"#)
            try await rt.offline.tick()
            let first = try #require(try await rt.runs(conversation: call).first)
            // As if that attempt had sent its create a minute ago (by the CRM's clock) and the answer was lost.
            try await rt.store.database.raw("UPDATE runs SET create_sent_at = \(bind: Date().timeIntervalSince1970 - 60) WHERE id = \(bind: first.id)").run()
            try await rt.faults(crm, "{}")
            let token = try rt.connectors.credentials(of: try #require(try await rt.repositories.accounts.account(id: account))).accessToken
            let lost = try await rt.contact(crm, email: email, firstName: "Agent", token: token)
            rt.clock.advance(try #require(first.nextAttemptAt).timeIntervalSince(rt.clock.now) + 0.001)
            try await rt.offline.tick()
            let run = try #require(try await rt.runs(conversation: call).first)
            #expect(run.status == .succeeded)
            #expect(run.result?.crmRecordId == lost)
            #expect(try await rt.contacts(crm, email: email) == [lost])
            #expect(try await rt.repositories.runs.createdRecords(accountId: account, among: [lost]) == [lost])
        }
    }

    @Test("one slow account never delays another account's offline runs")
    func slowAccountDoesNotDelayOthers() async throws {
        try await withRuntime(.sqlite) { rt in
            let slow = try await rt.account(.hubspot)
            let fast = try await rt.account(.salesforce)
            let slowAction = try await rt.action(.hubspot, account: slow, offline: true)
            let fastAction = try await rt.action(.salesforce, account: fast, offline: true)
            let slowCall = try await rt.conversation(agent: try await rt.agent(.voice, actions: [slowAction]), attributes: ["email": "slow@example.com"])
            let fastCall = try await rt.conversation(agent: try await rt.agent(.voice, actions: [fastAction]), attributes: ["email": "fast@example.com", "last_name": "F"])
            try await rt.faults(.hubspot, #"{"latencyMs":60000}"#)
            let loop = Task { try await rt.offline.run() }
            _ = try await rt.conversations.end(conversationId: slowCall)
            try await waitUntil { try await rt.requestCount(.hubspot) > 0 }
            _ = try await rt.conversations.end(conversationId: fastCall)
            rt.offline.wake()
            let clock = ContinuousClock()
            let ended = clock.now
            while clock.now - ended < .seconds(30), try await rt.runs(conversation: fastCall).first?.status != .succeeded {
                try await Task.sleep(for: .milliseconds(20))
            }
            // Behind the slow account the fast run would wait its 60 s; the margin is for a loaded machine.
            let waited = clock.now - ended
            #expect(try await rt.runs(conversation: fastCall).first?.status == .succeeded)
            #expect(waited < .seconds(30))
            #expect(try await rt.runs(conversation: slowCall).first?.status != .succeeded)
            loop.cancel()
            _ = await loop.result
        }
    }

    @Test("a failed run keeps what it already wrote: the contact id and fields, and a retry does not write it twice", arguments: Backend.available)
    func failedRunKeepsWhatItWrote(backend: Backend) async throws {
        try await withRuntime(backend, runs: .failingAtOnce) { rt in
            let account = try await rt.account(.hubspot)
            let action = try await rt.action(.hubspot, account: account, offline: false, allowCreate: true, allowUpdateExisting: false)
            try await rt.faults(.hubspot, #"{"routeRate5xx":{"POST /crm/v3/objects/notes/batch/create":1}}"#)
            let failed = try await rt.engine.run(RunEngine.Request(
                actionId: action, conversationId: nil, input: RunInput(fields: ["email": "half@example.com", "first_name": "H"], summary: "Note me.")))
            #expect(failed.status == .failed)
            let id = try #require(failed.result?.crmRecordId)
            #expect(failed.result?.fieldsWritten.contains("email") == true)
            #expect(failed.result?.error?.retryable == true)
            try await rt.faults(.hubspot, "{}")
            let retried = try await rt.engine.retry(runId: failed.id)
            #expect(retried.status == .succeeded)
            #expect(retried.result?.crmRecordId == id)
            #expect(retried.result?.noteId != nil)
            #expect(try await rt.contacts(.hubspot, email: "half@example.com").count == 1)
            #expect(try await rt.noteCount(contact: id) == 1)
        }
    }
}

/// A call's run, or the service error it threw.
func outcome(_ body: () async throws(ServiceError) -> RunRecord) async -> Result<RunRecord, ServiceError> {
    do throws(ServiceError) {
        return .success(try await body())
    } catch {
        return .failure(error)
    }
}

/// Polls `condition` every 10 ms until it holds. The limit only turns a hang into a failure: while the whole
/// suite runs, every core is busy and a task can wait seconds for its turn, so it is far above what a passing
/// condition needs.
func waitUntil(within limit: Duration = .seconds(30), _ condition: () async throws -> Bool) async throws {
    let clock = ContinuousClock()
    let deadline = clock.now + limit
    while try await !condition() {
        guard clock.now < deadline else { throw RuntimeTestError.unexpected("condition not reached in \(limit)") }
        try await Task.sleep(for: .milliseconds(10))
    }
}
