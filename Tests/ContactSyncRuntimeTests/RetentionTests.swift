import ContactSyncCore
import ContactSyncRuntime
import ContactSyncStore
import ContactSyncTestSupport
import Foundation
import Testing

/// Data retention: old messages and run inputs go; runs keep what they did.
@Suite("Operations: data retention")
struct RetentionTests {
    @Test("messages and run inputs older than the retention period are purged; newer ones stay", arguments: Backend.available)
    func purge(backend: Backend) async throws {
        try await withRuntime(backend) { rt in
            let action = try await rt.action(.hubspot, account: try await rt.account(.hubspot), offline: false)
            let agent = try await rt.agent(.voice, actions: [action])
            let old = try await rt.conversation(agent: agent, attributes: [:])
            _ = try await rt.conversations.addMessage(conversationId: old, role: "customer", text: "old words", at: nil)
            let oldRun = try await rt.engine.run(RunEngine.Request(actionId: action, conversationId: nil, input: RunInput(fields: ["email": "old@example.com"], summary: "Old.")))
            rt.clock.advance(91 * 86_400)
            let recent = try await rt.conversation(agent: agent, attributes: [:])
            _ = try await rt.conversations.addMessage(conversationId: recent, role: "customer", text: "new words", at: nil)
            let newRun = try await rt.engine.run(RunEngine.Request(actionId: action, conversationId: nil, input: RunInput(fields: ["email": "new@example.com"])))
            let purged = try await Retention(repositories: rt.repositories, days: 90, logger: Runtime.quiet, now: rt.clock.closure).purge()
            #expect(purged.messages == 1)
            #expect(purged.runInputs == 1)
            #expect(try await rt.repositories.conversations.messages(conversationId: old).isEmpty)
            #expect(try await rt.repositories.conversations.messages(conversationId: recent).map(\.text) == ["new words"])
            let keptOld = try #require(try await rt.repositories.runs.run(id: oldRun.id))
            #expect(keptOld.input == RunInput())
            #expect(keptOld.result?.outcome == .created)
            #expect(try await rt.repositories.runs.run(id: newRun.id)?.input.fields["email"] == "new@example.com")
        }
    }

    @Test("retentionKeepsWhatUnfinishedRunsNeed: an old run still pending, running or waiting for its account keeps its input and its conversation's messages", arguments: Backend.available)
    func retentionKeepsWhatUnfinishedRunsNeed(backend: Backend) async throws {
        try await withRuntime(backend) { rt in
            let action = try await rt.action(.hubspot, account: try await rt.account(.hubspot), offline: false)
            let agent = try await rt.agent(.voice, actions: [action])
            let chat = try await rt.conversation(agent: agent, attributes: [:])
            _ = try await rt.conversations.addMessage(conversationId: chat, role: "customer", text: "my email is kept@example.com", at: nil)
            let run = try await rt.engine.run(RunEngine.Request(actionId: action, conversationId: chat, input: RunInput(fields: ["email": "kept@example.com"])))
            rt.clock.advance(91 * 86_400)
            let retention = Retention(repositories: rt.repositories, days: 90, logger: Runtime.quiet, now: rt.clock.closure)
            for status in [RunStatus.pending, .running, .waitingForAccount] {
                try await rt.store.database.raw("UPDATE runs SET status = \(bind: status.rawValue) WHERE id = \(bind: run.id)").run()
                let purged = try await retention.purge()
                #expect(purged.messages == 0 && purged.runInputs == 0, "\(status)")
                #expect(try await rt.repositories.runs.run(id: run.id)?.input.fields["email"] == "kept@example.com")
                #expect(try await rt.repositories.conversations.messages(conversationId: chat).count == 1)
            }
            try await rt.store.database.raw("UPDATE runs SET status = 'succeeded' WHERE id = \(bind: run.id)").run()
            let purged = try await retention.purge()
            #expect(purged.messages == 1 && purged.runInputs == 1)
            #expect(try await rt.repositories.runs.run(id: run.id)?.input == RunInput())
        }
    }
}
