import ContactSyncCore
import ContactSyncRuntime
import ContactSyncStore
import ContactSyncTestSupport
import Foundation
import Testing

/// Final values arrive with the end, or late, and are never lost (ARCHITECTURE §4).
@Suite("Late final values: the end's values and follow-up runs")
struct LateValueTests {
    static let crms: [CRM] = [.hubspot, .salesforce]

    static func names(_ crm: CRM) -> (firstName: String, summary: String) {
        crm == .hubspot ? ("firstname", "ai_conversation_summary") : ("FirstName", "Conversation_Summary__c")
    }

    @Test("the end carries the final summary and attributes, applied before the end", arguments: Backend.available, crms)
    func endCarriesFinalValues(backend: Backend, crm: CRM) async throws {
        try await withRuntime(backend) { rt in
            let account = try await rt.account(crm)
            let action = try await rt.action(crm, account: account, offline: true)
            let call = try await rt.conversation(agent: try await rt.agent(.voice, actions: [action]), attributes: ["email": "end@example.com", "last_name": "E"])
            let ended = try await rt.conversations.end(conversationId: call, summary: "Final words.", attributes: ["first_name": "Fin"])
            #expect(ended.endedAt != nil)
            #expect(ended.summary == "Final words.")
            try await rt.offline.tick()
            let run = try #require(try await rt.runs(conversation: call).first)
            #expect(run.result?.outcome == .created)
            let id = try #require(run.result?.crmRecordId)
            #expect(try await rt.contactField(crm, id: id, field: Self.names(crm).firstName) == "Fin")
            #expect(try await rt.contactField(crm, id: id, field: Self.names(crm).summary) == "Final words.")
        }
    }

    @Test("voice: end, then the summary 3 s later: one follow-up writes it (note updated in place), and only what changed", arguments: Backend.available, crms)
    func lateSummaryBecomesAFollowUp(backend: Backend, crm: CRM) async throws {
        try await withRuntime(backend) { rt in
            let account = try await rt.account(crm)
            let action = try await rt.action(crm, account: account, offline: true, allowCreate: true, allowUpdateExisting: false)
            let call = try await rt.conversation(
                agent: try await rt.agent(.voice, actions: [action]), attributes: ["email": "late@example.com", "first_name": "Ann", "last_name": "L"],
                summary: "Early summary.")
            _ = try await rt.conversations.end(conversationId: call)
            try await rt.offline.tick()
            let first = try #require(try await rt.runs(conversation: call).first)
            #expect(first.result?.outcome == .created)
            let id = try #require(first.result?.crmRecordId)
            // Meanwhile a person edits the contact in the CRM: a follow-up must not undo it.
            try await rt.editByHand(crm, id: id, field: Self.names(crm).firstName, value: "Edited")

            rt.clock.advance(3)
            _ = try await rt.conversations.setSummary(conversationId: call, text: "Late summary.")
            rt.clock.advance(1)
            _ = try await rt.conversations.setSummary(conversationId: call, text: "Final summary.")
            try await rt.offline.tick()
            let pending = try await rt.runs(conversation: call).filter { $0.trigger == .followUp }
            #expect(pending.map(\.status) == [.pending])
            rt.clock.advance(2.5)
            try await rt.offline.tick()
            let followUps = try await rt.runs(conversation: call).filter { $0.trigger == .followUp }
            #expect(followUps.count == 1)
            let followUp = try #require(followUps.first)
            #expect(followUp.status == .succeeded)
            #expect(followUp.result?.crmRecordId == id)
            #expect(try await rt.contactField(crm, id: id, field: Self.names(crm).summary) == "Final summary.")
            #expect(try await rt.contactField(crm, id: id, field: Self.names(crm).firstName) == "Edited")
            if crm == .hubspot {
                #expect(followUp.result?.noteId == first.result?.noteId)
                #expect(try await rt.noteCount(contact: id) == 1)
                #expect(try await rt.noteBody(try #require(first.result?.noteId)) == "Final summary.")
            }
        }
    }

    @Test("lateEmailAfterSkippedRunWritesEverything: the call ends with names and a summary but no email; the email 3 s later gives one contact with the names and the summary", arguments: Backend.available, crms)
    func lateEmailAfterSkippedRunWritesEverything(backend: Backend, crm: CRM) async throws {
        try await withRuntime(backend) { rt in
            let account = try await rt.account(crm)
            let action = try await rt.action(crm, account: account, offline: true, allowCreate: true, allowUpdateExisting: false)
            let call = try await rt.conversation(
                agent: try await rt.agent(.voice, actions: [action]), attributes: ["first_name": "Nora", "last_name": "Noemail"], summary: "Wants a callback.")
            _ = try await rt.conversations.end(conversationId: call)
            try await rt.offline.tick()
            let first = try #require(try await rt.runs(conversation: call).first)
            #expect(first.result?.outcome == .skipped)
            #expect(first.result?.reason == .missingEmail)

            rt.clock.advance(3)
            _ = try await rt.conversations.mergeAttributes(conversationId: call, ["email": "nora@example.com"])
            rt.clock.advance(2.5)
            try await rt.offline.tick()
            let followUp = try #require(try await rt.runs(conversation: call).first { $0.trigger == .followUp })
            #expect(followUp.status == .succeeded)
            #expect(followUp.result?.outcome == .created)
            let contacts = try await rt.contacts(crm, email: "nora@example.com")
            #expect(contacts.count == 1)
            let id = try #require(contacts.first)
            #expect(followUp.result?.crmRecordId == id)
            #expect(try await rt.contactField(crm, id: id, field: Self.names(crm).firstName) == "Nora")
            #expect(try await rt.contactField(crm, id: id, field: crm == .hubspot ? "lastname" : "LastName") == "Noemail")
            if crm == .hubspot {
                #expect(try await rt.noteCount(contact: id) == 1)
                #expect(try await rt.noteBody(try #require(followUp.result?.noteId)) == "Wants a callback.")
            } else {
                #expect(try await rt.contactField(crm, id: id, field: Self.names(crm).summary) == "Wants a callback.")
            }
        }
    }

    @Test("deletedTargetConcernsOnlyItsRun: a follow-up whose contact was deleted in the CRM looks its email up again and decides afresh; the rest of the batch is written", arguments: Backend.available, crms)
    func deletedTargetConcernsOnlyItsRun(backend: Backend, crm: CRM) async throws {
        try await withRuntime(backend) { rt in
            let account = try await rt.account(crm)
            let action = try await rt.action(crm, account: account, offline: true)
            let agent = try await rt.agent(.voice, actions: [action])
            let gone = try await rt.conversation(agent: agent, attributes: ["email": "gone@example.com", "first_name": "Gone", "last_name": "G"], summary: "First.")
            let kept = try await rt.conversation(agent: agent, attributes: ["email": "kept@example.com", "first_name": "Kept", "last_name": "K"], summary: "First.")
            for call in [gone, kept] { _ = try await rt.conversations.end(conversationId: call) }
            try await rt.offline.tick()
            let goneId = try #require(try await rt.runs(conversation: gone).first?.result?.crmRecordId)
            let keptId = try #require(try await rt.runs(conversation: kept).first?.result?.crmRecordId)
            let path = crm == .hubspot ? "/crm/v3/objects/contacts/\(goneId)" : "/services/data/v62.0/sobjects/Contact/\(goneId)"
            let (status, _) = try await rt.emulator(crm, .DELETE, path)
            #expect(status == 204)

            rt.clock.advance(3)
            for call in [gone, kept] { _ = try await rt.conversations.setSummary(conversationId: call, text: "Late summary.") }
            rt.clock.advance(2.5)
            try await rt.offline.tick()
            let goneFollowUp = try #require(try await rt.runs(conversation: gone).first { $0.trigger == .followUp })
            let keptFollowUp = try #require(try await rt.runs(conversation: kept).first { $0.trigger == .followUp })
            #expect(keptFollowUp.status == .succeeded)
            #expect(keptFollowUp.result?.crmRecordId == keptId)
            #expect(goneFollowUp.status == .succeeded, "\(String(describing: goneFollowUp.result?.error))")
            let recreated = try #require(goneFollowUp.result?.crmRecordId)
            #expect(recreated != goneId)
            #expect(try await rt.contacts(crm, email: "gone@example.com") == [recreated])
        }
    }

    @Test("interruptedFollowUpIsResumed: a follow-up whose process died while it ran is taken over and carried out, not failed", arguments: Backend.available, crms)
    func interruptedFollowUpIsResumed(backend: Backend, crm: CRM) async throws {
        try await withRuntime(backend) { rt in
            let account = try await rt.account(crm)
            let action = try await rt.action(crm, account: account, offline: true)
            let call = try await rt.conversation(
                agent: try await rt.agent(.voice, actions: [action]), attributes: ["email": "crash@example.com", "last_name": "C"], summary: "First.")
            _ = try await rt.conversations.end(conversationId: call)
            try await rt.offline.tick()
            let id = try #require(try await rt.runs(conversation: call).first?.result?.crmRecordId)
            rt.clock.advance(3)
            _ = try await rt.conversations.setSummary(conversationId: call, text: "After the crash.")
            let followUp = try #require(try await rt.runs(conversation: call).first { $0.trigger == .followUp })
            // A worker claimed it and died: it is `running` under a lease that has passed.
            try await rt.store.database.raw("""
                UPDATE runs SET status = 'running', lease_owner = 'dead-worker', lease_until = \(bind: rt.clock.now.timeIntervalSince1970 - 1),
                  attempts = 1 WHERE id = \(bind: followUp.id)
                """).run()
            rt.clock.advance(60)
            try await rt.offline.tick()
            let resumed = try #require(try await rt.repositories.runs.run(id: followUp.id))
            #expect(resumed.status == .succeeded, "\(String(describing: resumed.result?.error))")
            #expect(resumed.result?.crmRecordId == id)
            #expect(try await rt.contactField(crm, id: id, field: Self.names(crm).summary) == "After the crash.")
        }
    }

    @Test("followUpsApplyInOrder: a later follow-up waits while an earlier one of the same action and conversation is still under way elsewhere", arguments: Backend.available, crms)
    func followUpsApplyInOrder(backend: Backend, crm: CRM) async throws {
        try await withRuntime(backend) { rt in
            let account = try await rt.account(crm)
            let action = try await rt.action(crm, account: account, offline: true)
            let call = try await rt.conversation(
                agent: try await rt.agent(.voice, actions: [action]), attributes: ["email": "order@example.com", "last_name": "O"], summary: "First.")
            _ = try await rt.conversations.end(conversationId: call)
            try await rt.offline.tick()
            let id = try #require(try await rt.runs(conversation: call).first?.result?.crmRecordId)

            rt.clock.advance(3)
            _ = try await rt.conversations.setSummary(conversationId: call, text: "Second.")
            let earlier = try #require(try await rt.runs(conversation: call).first { $0.trigger == .followUp })
            // Another worker has claimed the earlier follow-up and is still working on it.
            try await rt.store.database.raw("""
                UPDATE runs SET status = 'running', lease_owner = 'other-worker', lease_until = \(bind: rt.clock.now.timeIntervalSince1970 + 30), attempts = 1
                WHERE id = \(bind: earlier.id)
                """).run()
            _ = try await rt.conversations.setSummary(conversationId: call, text: "Third.")
            let later = try #require(try await rt.runs(conversation: call).first { $0.trigger == .followUp && $0.id != earlier.id })
            #expect(try await rt.repositories.runs.run(id: earlier.id)?.input.summary == "Second.")
            rt.clock.advance(2.5)
            try await rt.offline.tick()
            #expect(try await rt.repositories.runs.run(id: later.id)?.status == .pending)
            #expect(try await rt.contactField(crm, id: id, field: Self.names(crm).summary) == "First.")

            // The other worker died: its follow-up is taken over and applied first, then the later one.
            rt.clock.advance(60)
            try await rt.offline.tick()
            rt.clock.advance(2)
            try await rt.offline.tick()
            #expect(try await rt.repositories.runs.run(id: earlier.id)?.status == .succeeded)
            let last = try #require(try await rt.repositories.runs.run(id: later.id))
            #expect(last.status == .succeeded)
            #expect(try #require(last.finishedAt) > (try #require(try await rt.repositories.runs.run(id: earlier.id)?.finishedAt)))
            #expect(try await rt.contactField(crm, id: id, field: Self.names(crm).summary) == "Third.")
        }
    }

    @Test("a late attribute after the dispatch is written by a follow-up; a message is refused on every instance", arguments: Backend.available, crms)
    func lateAttributeAndMessageAfterDispatch(backend: Backend, crm: CRM) async throws {
        try await withRuntime(backend) { rt in
            let account = try await rt.account(crm)
            let action = try await rt.action(crm, account: account, offline: true)
            let chat = try await rt.conversation(agent: try await rt.agent(.text, actions: [action]), attributes: ["email": "chat@example.com", "last_name": "C"])
            _ = try await rt.conversations.addMessage(conversationId: chat, role: "customer", text: "hi", at: nil)
            rt.clock.advance(600)
            try await rt.offline.tick()
            let id = try #require(try await rt.runs(conversation: chat).first?.result?.crmRecordId)
            // Another instance whose clock is a minute behind still sees the dispatch.
            let behind = ConversationService(repositories: rt.repositories, textIdleSeconds: 600, now: { rt.clock.now.addingTimeInterval(-60) })
            await #expect(throws: ServiceError.self) { _ = try await behind.addMessage(conversationId: chat, role: "customer", text: "late", at: nil) }
            _ = try await rt.conversations.mergeAttributes(conversationId: chat, ["first_name": "Late"])
            rt.clock.advance(3)
            try await rt.offline.tick()
            #expect(try await rt.runs(conversation: chat).map(\.status) == [.succeeded, .succeeded])
            #expect(try await rt.contactField(crm, id: id, field: Self.names(crm).firstName) == "Late")
        }
    }

    @Test("a message more than 5 minutes in the future is refused", arguments: Backend.available)
    func futureMessageRefused(backend: Backend) async throws {
        try await withRuntime(backend) { rt in
            let account = try await rt.account(.hubspot)
            let action = try await rt.action(.hubspot, account: account, offline: true)
            let chat = try await rt.conversation(agent: try await rt.agent(.text, actions: [action]), attributes: [:])
            do {
                _ = try await rt.conversations.addMessage(conversationId: chat, role: "customer", text: "from the future", at: rt.clock.now.addingTimeInterval(301))
                Issue.record("a message 301 s ahead was accepted")
            } catch let error as ServiceError {
                #expect(error.code == .invalidMessageTime)
            }
            let accepted = try await rt.conversations.addMessage(conversationId: chat, role: "customer", text: "slightly ahead", at: rt.clock.now.addingTimeInterval(299))
            #expect(accepted.messageCount == 1)
        }
    }
}
