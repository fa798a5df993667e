import ContactSyncCore
import ContactSyncRuntime
import ContactSyncStore
import ContactSyncTestSupport
import Foundation
import Testing

@Suite("Offline sync: conversation ends, runs once (injected clock)")
struct OfflineSyncTests {
    @Test("a text conversation ends exactly 600 s after its last message, not before", arguments: Backend.available)
    func textEnds(backend: Backend) async throws {
        try await withRuntime(backend) { rt in
            let account = try await rt.account(.hubspot)
            let action = try await rt.action(.hubspot, account: account, offline: true)
            let agent = try await rt.agent(.text, actions: [action])
            let chat = try await rt.conversation(agent: agent, attributes: ["email": "t@example.com", "first_name": "T"])
            _ = try await rt.conversations.addMessage(conversationId: chat, role: "customer", text: "hello", at: nil)
            rt.clock.advance(599.999)
            try await rt.offline.tick()
            #expect(try await rt.runs(conversation: chat).isEmpty)
            #expect(try await rt.conversations.conversation(id: chat).hasEnded(at: rt.clock.now) == false)
            rt.clock.advance(0.001)
            try await rt.offline.tick()
            let runs = try await rt.runs(conversation: chat)
            #expect(runs.count == 1)
            #expect(runs.first?.trigger == .offline)
            #expect(runs.first?.status == .succeeded)
            #expect(runs.first?.result?.outcome == .created)
        }
    }

    @Test("each message pushes the end; a late message is refused", arguments: Backend.available)
    func messagesPush(backend: Backend) async throws {
        try await withRuntime(backend) { rt in
            let account = try await rt.account(.salesforce)
            let action = try await rt.action(.salesforce, account: account, offline: true)
            let agent = try await rt.agent(.text, actions: [action])
            let chat = try await rt.conversation(agent: agent, attributes: ["email": "p@example.com", "last_name": "P"])
            _ = try await rt.conversations.addMessage(conversationId: chat, role: "customer", text: "one", at: nil)
            rt.clock.advance(300)
            let pushed = try await rt.conversations.addMessage(conversationId: chat, role: "agent", text: "two", at: nil)
            #expect(pushed.endsAt == rt.clock.now.addingTimeInterval(600))
            rt.clock.advance(300)
            try await rt.offline.tick()
            #expect(try await rt.runs(conversation: chat).isEmpty)
            rt.clock.advance(300)
            try await rt.offline.tick()
            #expect(try await rt.runs(conversation: chat).map(\.status) == [.succeeded])
            await #expect(throws: ServiceError.self) { _ = try await rt.conversations.addMessage(conversationId: chat, role: "customer", text: "late", at: nil) }
        }
    }

    @Test("a voice conversation ends on end, not by time", arguments: Backend.available)
    func voiceEndsOnEnd(backend: Backend) async throws {
        try await withRuntime(backend) { rt in
            let account = try await rt.account(.hubspot)
            let action = try await rt.action(.hubspot, account: account, offline: true)
            let agent = try await rt.agent(.voice, actions: [action])
            let call = try await rt.conversation(agent: agent, attributes: ["email": "v@example.com"])
            rt.clock.advance(86_400)
            try await rt.offline.tick()
            #expect(try await rt.runs(conversation: call).isEmpty)
            _ = try await rt.conversations.end(conversationId: call)
            try await rt.offline.tick()
            #expect(try await rt.runs(conversation: call).map(\.status) == [.succeeded])
        }
    }

    @Test("each offline action runs exactly once; an in-conversation action never runs by itself", arguments: Backend.available)
    func exactlyOnce(backend: Backend) async throws {
        try await withRuntime(backend) { rt in
            let hubspot = try await rt.account(.hubspot)
            let salesforce = try await rt.account(.salesforce)
            let first = try await rt.action(.hubspot, account: hubspot, offline: true)
            let second = try await rt.action(.salesforce, account: salesforce, offline: true)
            let live = try await rt.action(.hubspot, account: hubspot, offline: false)
            let agent = try await rt.agent(.voice, actions: [first, second, live])
            let call = try await rt.conversation(agent: agent, attributes: ["email": "once@example.com", "last_name": "O"], summary: "S")
            _ = try await rt.conversations.end(conversationId: call)
            _ = try await rt.conversations.end(conversationId: call)
            for _ in 0..<3 {
                try await rt.offline.tick()
                rt.clock.advance(1_000)
            }
            let runs = try await rt.runs(conversation: call)
            #expect(runs.count == 2)
            #expect(Set(runs.map(\.actionId)) == [first, second])
            #expect(runs.allSatisfy { $0.status == .succeeded && $0.attempts == 1 })

            let liveOnly = try await rt.agent(.voice, actions: [live])
            let other = try await rt.conversation(agent: liveOnly, attributes: ["email": "live@example.com"])
            _ = try await rt.conversations.end(conversationId: other)
            try await rt.offline.tick()
            #expect(try await rt.runs(conversation: other).isEmpty)
        }
    }

    @Test("a dead worker's claimed runs are taken over after the lease, and run once", arguments: Backend.available)
    func leaseRecovery(backend: Backend) async throws {
        try await withRuntime(backend) { rt in
            let account = try await rt.account(.hubspot)
            let action = try await rt.action(.hubspot, account: account, offline: true)
            let agent = try await rt.agent(.voice, actions: [action])
            let call = try await rt.conversation(agent: agent, attributes: ["email": "lease@example.com"], summary: "S")
            _ = try await rt.conversations.end(conversationId: call)
            // Another worker dispatches and claims, then dies without finishing.
            _ = try await rt.repositories.conversations.dispatchEndedConversations(now: rt.clock.now, limit: 10, targets: try await rt.repositories.configuration.offlineTargets())
            let claimed = try await rt.repositories.runs.claimDueRuns(owner: "dead-worker", now: rt.clock.now, leaseUntil: rt.clock.now.addingTimeInterval(120), limit: 10)
            #expect(claimed.count == 1)
            try await rt.offline.tick()
            #expect(try await rt.runs(conversation: call).first?.status == .running)
            rt.clock.advance(121)
            try await rt.offline.tick()
            let runs = try await rt.runs(conversation: call)
            #expect(runs.map(\.status) == [.succeeded])
            #expect(runs.first?.attempts == 2)
            // The dead worker's late report changes nothing.
            var late = claimed[0]
            late.status = .failed
            #expect(try await rt.repositories.runs.finishRuns([late], owner: "dead-worker").isEmpty)
            #expect(try await rt.runs(conversation: call).map(\.status) == [.succeeded])
            let (_, contacts) = try await rt.emulator(.hubspot, .GET, "/crm/v3/objects/contacts")
            #expect((contacts["results"] as? [Any])?.count == 1)
        }
    }

    @Test("retakenBatchLooksForItsNotesAtOnce: a batch taken over from a dead worker looks for the notes its runs may have written with one association read for all their contacts, and writes each note once",
          arguments: Backend.available)
    func retakenBatchLooksForItsNotesAtOnce(backend: Backend) async throws {
        try await withRuntime(backend) { rt in
            let account = try await rt.account(.hubspot)
            let action = try await rt.action(.hubspot, account: account, offline: true)
            let agent = try await rt.agent(.voice, actions: [action])
            var calls: [String] = []
            for index in 0..<3 {
                let call = try await rt.conversation(agent: agent, attributes: ["email": "retaken\(index)@example.com"], summary: "Call \(index).")
                _ = try await rt.conversations.end(conversationId: call)
                calls.append(call)
            }
            // Another worker dispatches and claims the three runs, then dies: whatever it sent is unknown.
            _ = try await rt.repositories.conversations.dispatchEndedConversations(now: rt.clock.now, limit: 10, targets: try await rt.repositories.configuration.offlineTargets())
            let claimed = try await rt.repositories.runs.claimDueRuns(owner: "dead-worker", now: rt.clock.now, leaseUntil: rt.clock.now.addingTimeInterval(120), limit: 10)
            #expect(claimed.count == 3)
            rt.clock.advance(121)
            try await rt.offline.tick()
            let routes = try await rt.emulator(.hubspot, .GET, "/_emulator/requests").1["byRoute"] as? [String: Int] ?? [:]
            #expect(routes["POST /crm/v4/associations/contacts/notes/batch/read"] == 1, "\(routes)")
            #expect(!routes.keys.contains { $0.hasPrefix("GET /crm/v4/objects/contacts/") }, "no association listing per contact: \(routes)")
            for call in calls {
                let run = try #require(try await rt.runs(conversation: call).first)
                #expect(run.status == .succeeded)
                #expect(run.attempts == 2)
                #expect(try await rt.noteCount(contact: try #require(run.result?.crmRecordId)) == 1)
            }
        }
    }

    @Test("runs for an account that needs reconnecting wait, and resume when it is reconnected", arguments: Backend.available)
    func waitingForAccount(backend: Backend) async throws {
        try await withRuntime(backend) { rt in
            let account = try await rt.account(.salesforce)
            let action = try await rt.action(.salesforce, account: account, offline: true)
            let agent = try await rt.agent(.voice, actions: [action])
            let call = try await rt.conversation(agent: agent, attributes: ["email": "wait@example.com", "last_name": "W"])
            try await rt.repositories.accounts.updateAccountStatus(id: account, status: .reconnectRequired, now: rt.clock.now)
            _ = try await rt.conversations.end(conversationId: call)
            try await rt.offline.tick()
            #expect(try await rt.runs(conversation: call).map(\.status) == [.waitingForAccount])
            try await rt.repositories.accounts.updateAccountStatus(id: account, status: .connected, now: rt.clock.now)
            #expect(try await rt.repositories.runs.resumeWaitingRuns(accountId: account, now: rt.clock.now) == 1)
            try await rt.offline.tick()
            #expect(try await rt.runs(conversation: call).map(\.status) == [.succeeded])
        }
    }

    @Test("a revoked grant makes offline runs wait; reconnecting with new credentials resumes them", arguments: Backend.available)
    func reconnectResumes(backend: Backend) async throws {
        try await withRuntime(backend) { rt in
            let account = try await rt.accounts.connect(.hubspotToken(name: "Acme", accessToken: "test-first-grant", baseURL: rt.url(.hubspot))).id
            let action = try await rt.action(.hubspot, account: account, offline: true)
            let agent = try await rt.agent(.voice, actions: [action])
            let call = try await rt.conversation(agent: agent, attributes: ["email": "grant@example.com"], summary: "S")
            try await rt.emulator(.hubspot, .POST, "/_emulator/tokens/test-first-grant/revoke")
            _ = try await rt.conversations.end(conversationId: call)
            try await rt.offline.tick()
            #expect(try await rt.runs(conversation: call).map(\.status) == [.waitingForAccount])
            #expect(try await rt.repositories.accounts.account(id: account)?.status == .reconnectRequired)
            await #expect(throws: ServiceError.self) {
                _ = try await rt.accounts.reconnect(accountId: account, .hubspotToken(name: "", accessToken: "not-valid", baseURL: rt.url(.hubspot)))
            }
            let (reconnected, resumed) = try await rt.accounts.reconnect(accountId: account, .hubspotToken(name: "", accessToken: "test-second-grant", baseURL: rt.url(.hubspot)))
            #expect(reconnected.status == .connected)
            #expect(resumed == 1)
            try await rt.offline.tick()
            let runs = try await rt.runs(conversation: call)
            #expect(runs.map(\.status) == [.succeeded])
            #expect(runs.first?.result?.outcome == .created)
        }
    }

    @Test("batchesOfAnAccountOverlap: while a batch waits on the CRM the next of its account is claimed and read, and no more than batchesPerAccount are under way",
          arguments: Backend.available)
    func batchesOfAnAccountOverlap(backend: Backend) async throws {
        var settings = OfflineSync.Settings()
        settings.claimLimit = 2
        settings.batchesPerAccount = 2
        try await withRuntime(backend, settings: settings) { rt in
            let account = try await rt.account(.salesforce)
            let action = try await rt.action(.salesforce, account: account, offline: true)
            let agent = try await rt.agent(.voice, actions: [action])
            var calls: [String] = []
            for index in 0..<6 {
                let call = try await rt.conversation(agent: agent, attributes: ["email": "batch\(index)@example.com", "last_name": "B"])
                _ = try await rt.conversations.end(conversationId: call)
                calls.append(call)
            }
            func running() async throws -> Int {
                var count = 0
                for call in calls { count += try await rt.runs(conversation: call).filter { $0.status == .running }.count }
                return count
            }
            func waitUntilRunning(_ wanted: Int) async throws {
                let deadline = ContinuousClock.now + .seconds(20)
                while try await running() < wanted, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(20)) }
            }
            // The CRM holds every request until the test lets it go.
            try await rt.faults(.salesforce, #"{"holdRoutes":["*"]}"#)
            async let first = rt.offline.tick()
            try await waitUntilRunning(2)
            async let second = rt.offline.tick()
            try await waitUntilRunning(4)
            // Two batches of the account are under way (both wait on the CRM): a third pass claims none of its runs.
            #expect(try await running() == 4)
            #expect(try await rt.offline.tick() == 0)
            try await rt.faults(.salesforce, "{}")
            #expect(try await first == 2)
            #expect(try await second == 2)
            #expect(try await rt.offline.tick() == 2)
            for call in calls { #expect(try await rt.runs(conversation: call).map(\.status) == [.succeeded]) }
        }
    }
}
