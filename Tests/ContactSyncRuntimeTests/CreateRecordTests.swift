import ContactSyncCore
import ContactSyncStore
import ContactSyncTestSupport
import Foundation
import Testing

@testable import ContactSyncRuntime

/// Lost creates (DESIGN §2.4): a create is recorded as sent before it is sent. Where the CRM marks its
/// integration's creates apart from a person's (HubSpot), a new customer's in-conversation run records it
/// while the customer is looked up, and withdraws the record when it sends no create.
@Suite("Lost creates: a create is recorded before it is sent")
struct CreateRecordTests {
    @Test(
        "lostCreateRecordedWhileLookedUp: HubSpot records a new customer's create while the customer is looked up and withdraws it when none is sent; Salesforce records it only as it sends one",
        arguments: Backend.available, PipelineRuleTests.crms)
    func lostCreateRecordedWhileLookedUp(backend: Backend, crm: CRM) async throws {
        try await withRuntime(backend) { rt in
            let account = try await rt.account(crm)
            let action = try await rt.action(crm, account: account, offline: false, allowCreate: true, allowUpdateExisting: true)
            let token = try rt.connectors.credentials(of: try #require(try await rt.repositories.accounts.account(id: account))).accessToken
            let known = try await rt.contact(crm, email: "known-\(crm.rawValue)@example.com", firstName: "Typed", token: token)
            let early = crm == .hubspot

            // A new customer: created, the create recorded as sent.
            let new = try await Self.observe(rt, crm, action: action, email: "new-\(crm.rawValue)@example.com")
            #expect(new.run.result?.outcome == .created)
            #expect(try await Self.createSent(rt, run: new.run.id) != nil)
            #expect(new.recordedWhileLookedUp == early)

            // A customer the CRM has already: updated, no create sent, and no record of one left.
            let existing = try await Self.observe(rt, crm, action: action, email: "known-\(crm.rawValue)@example.com")
            #expect(existing.run.result?.outcome == .updated)
            #expect(existing.run.result?.crmRecordId == known)
            #expect(existing.recordedWhileLookedUp == early)
            #expect(try await Self.createSent(rt, run: existing.run.id) == nil)
        }
    }

    /// Runs `email` in conversation with the CRM holding every request, so that nothing the CRM answers (and no
    /// create) has come yet; watches whether the run's create is recorded as sent meanwhile, then lets it go.
    static func observe(_ rt: Runtime, _ crm: CRM, action: String, email: String) async throws -> (run: RunRecord, recordedWhileLookedUp: Bool) {
        try await rt.faults(crm, #"{"holdRoutes":["*"]}"#)
        let before = try await rt.requestCount(crm)
        let running = Task {
            try await rt.engine.run(RunEngine.Request(
                actionId: action, conversationId: nil, input: RunInput(fields: ["email": email, "last_name": "L"], summary: "Asked for a quote.")))
        }
        func recorded() async throws -> Bool {
            try await !rt.store.database.raw("""
                SELECT id FROM runs WHERE action_id = \(bind: action) AND status = 'running' AND create_sent_at IS NOT NULL
                """).all().isEmpty
        }
        func stored() async throws -> Bool {
            try await !rt.store.database.raw("SELECT id FROM runs WHERE action_id = \(bind: action) AND status = 'running'").all().isEmpty
        }
        // The run is stored (its opening is done) and its lookup has reached the CRM, which holds it.
        try await waitUntil {
            let count = try await rt.requestCount(crm)
            guard count > before else { return false }
            return try await stored()
        }
        var seen = false
        let clock = ContinuousClock()
        let until = clock.now + .milliseconds(500)
        while !seen, clock.now < until {
            seen = try await recorded()
            if !seen { try await Task.sleep(for: .milliseconds(10)) }
        }
        try await rt.faults(crm, "{}")
        let run = try await running.value
        #expect(run.status == .succeeded)
        return (run, seen)
    }

    /// When the run's create was recorded as sent, as stored.
    static func createSent(_ rt: Runtime, run id: String) async throws -> Double? {
        try await rt.store.database.raw("SELECT create_sent_at FROM runs WHERE id = \(bind: id)").first()?.decode(column: "create_sent_at", as: Double?.self)
    }
}
