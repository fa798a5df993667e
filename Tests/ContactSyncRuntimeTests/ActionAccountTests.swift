import ContactSyncCore
import ContactSyncRuntime
import ContactSyncStore
import ContactSyncTestSupport
import Foundation
import Testing

/// A run follows its action's current account (ARCHITECTURE §4): moving an action to another account takes its
/// runs not started yet along.
@Suite("Runs follow their action's account")
struct ActionAccountTests {
    @Test("runFollowsItsActionsNewAccount: a run waiting on a disconnected account runs against the account its action moved to", arguments: Backend.available, [CRM.hubspot, .salesforce])
    func runFollowsItsActionsNewAccount(backend: Backend, crm: CRM) async throws {
        try await withRuntime(backend) { rt in
            let old = try await rt.account(crm)
            let new = try await rt.account(crm)
            let action = try await rt.action(crm, account: old, offline: true)
            let call = try await rt.conversation(agent: try await rt.agent(.voice, actions: [action]), attributes: ["email": "moved-\(crm.rawValue)@example.com", "last_name": "Moved"])
            await rt.connectors.markReconnectRequired(accountId: old)
            _ = try await rt.conversations.end(conversationId: call)
            try await rt.offline.tick()
            let waiting = try #require(try await rt.runs(conversation: call).first)
            #expect(waiting.status == .waitingForAccount)
            #expect(waiting.accountId == old)

            var moved = try await rt.configuration.action(id: action).action
            moved.accountId = new
            _ = try await rt.configuration.updateAction(id: action, moved)
            let due = try #require(try await rt.repositories.runs.run(id: waiting.id))
            #expect(due.status == .pending)
            #expect(due.accountId == new)
            try await rt.offline.tick()
            let run = try #require(try await rt.repositories.runs.run(id: waiting.id))
            #expect(run.status == .succeeded)
            #expect(run.result?.outcome == .created)
            #expect(run.accountId == new)
            #expect(try await rt.contacts(crm, email: "moved-\(crm.rawValue)@example.com").count == 1)
        }
    }

    @Test("runUsesTheActionAsAnotherInstanceLeftIt: a run reads its action and account from memory, and runs with them as another instance changed them",
          arguments: Backend.available.filter { $0 == .postgres }, [CRM.hubspot, .salesforce])
    func runUsesTheActionAsAnotherInstanceLeftIt(backend: Backend, crm: CRM) async throws {
        try await withRuntime(backend) { rt in
            let old = try await rt.account(crm)
            let new = try await rt.account(crm)
            let action = try await rt.action(crm, account: old, offline: false)
            let input = { (email: String) in RunInput(fields: ["email": email, "first_name": "Ada", "last_name": "Moved"]) }
            let first = try await rt.engine.run(RunEngine.Request(actionId: action, conversationId: nil, input: input("first-\(crm.rawValue)@example.com")))
            #expect(first.accountId == old)
            // Another instance, with repositories of its own, moves the action to the other account.
            var moved = try #require(try await ConfigurationRepository(rt.store).action(id: action)).action
            moved.accountId = new
            try await ConfigurationRepository(rt.store).updateAction(moved, now: Date())
            let second = try await rt.engine.run(RunEngine.Request(actionId: action, conversationId: nil, input: input("second-\(crm.rawValue)@example.com")))
            #expect(second.status == .succeeded)
            #expect(second.accountId == new)
            #expect(try await rt.repositories.runs.run(id: second.id)?.accountId == new)
            // And marks that account as needing a reconnect: the next run sees it before calling the CRM.
            try await AccountRepository(rt.store).updateAccountStatus(id: new, status: .reconnectRequired, now: Date())
            let third = try await rt.engine.run(RunEngine.Request(actionId: action, conversationId: nil, input: input("third-\(crm.rawValue)@example.com")))
            #expect(third.status == .failed)
            #expect(third.result?.error?.code == "reconnect_required")
            #expect(try await rt.contacts(crm, email: "third-\(crm.rawValue)@example.com").isEmpty)
        }
    }
}
