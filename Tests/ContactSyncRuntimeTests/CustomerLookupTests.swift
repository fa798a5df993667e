import ContactSyncCore
import ContactSyncRuntime
import ContactSyncStore
import ContactSyncTestSupport
import Foundation
import SQLKit
import Testing

/// One writer per customer across instances (DESIGN §6), with the customer looked up while the run's pass
/// opens: the lookup counts only if no other instance gave the customer's lock back since it may have begun.
@Suite("Runs look their customer up while the pass opens")
struct CustomerLookupTests {
    static func input(_ email: String) -> RunInput { RunInput(fields: ["email": email, "first_name": "Ada", "last_name": "Lock"]) }

    /// The run's CRM requests, with the customer's lock as another instance left it (`releasedAgo` seconds ago
    /// by the database's clock, or still held by it and expired).
    static func requests(_ rt: Runtime, _ crm: CRM, action: String, account: String, email: String, lock: String?) async throws -> Int {
        if let lock { try await rt.store.database.raw(SQLQueryString(lock.replacingOccurrences(of: "ACCOUNT", with: account).replacingOccurrences(of: "EMAIL", with: email))).run() }
        let before = try await rt.requestCount(crm)
        let run = try await rt.engine.run(RunEngine.Request(actionId: action, conversationId: nil, input: input(email)))
        #expect(run.status == .succeeded)
        return try await rt.requestCount(crm) - before
    }

    @Test("lookupAgainAfterAnotherWriter: a customer whose lock another instance gave back a moment ago, or let expire, is looked up once more under the lock; one given back long ago, or by this instance, is not",
          arguments: Backend.available.filter { $0 == .postgres }, [CRM.hubspot, .salesforce])
    func lookupAgainAfterAnotherWriter(backend: Backend, crm: CRM) async throws {
        try await withRuntime(backend) { rt in
            let account = try await rt.account(crm)
            let action = try await rt.action(crm, account: account, offline: false, summary: false)
            // Warm: the field metadata is read once.
            _ = try await Self.requests(rt, crm, action: action, account: account, email: "warm-\(crm.rawValue)@example.com", lock: nil)
            let never = try await Self.requests(rt, crm, action: action, account: account, email: "never-\(crm.rawValue)@example.com", lock: nil)
            let longAgo = try await Self.requests(rt, crm, action: action, account: account, email: "long-ago-\(crm.rawValue)@example.com", lock: """
                INSERT INTO customer_locks (account_id, email, owner, locked_until, released_at)
                VALUES ('ACCOUNT', 'EMAIL', 'proc_other.lock_1', 0, extract(epoch FROM now()) - 600)
                """)
            let justNow = try await Self.requests(rt, crm, action: action, account: account, email: "just-now-\(crm.rawValue)@example.com", lock: """
                INSERT INTO customer_locks (account_id, email, owner, locked_until, released_at)
                VALUES ('ACCOUNT', 'EMAIL', 'proc_other.lock_2', 0, extract(epoch FROM now()))
                """)
            let expired = try await Self.requests(rt, crm, action: action, account: account, email: "expired-\(crm.rawValue)@example.com", lock: """
                INSERT INTO customer_locks (account_id, email, owner, locked_until) VALUES ('ACCOUNT', 'EMAIL', 'lock_dead', 1)
                """)
            #expect(longAgo == never)
            // This instance's own runs of one customer, one after another: its turns order them, no second lookup.
            let again = try await Self.requests(rt, crm, action: action, account: account, email: "never-\(crm.rawValue)@example.com", lock: nil)
            #expect(again <= never)
            #expect(justNow == never + 1)
            #expect(expired == never + 1)
            // Each customer was created once, and its lock given back.
            for email in ["never", "long-ago", "just-now", "expired"].map({ "\($0)-\(crm.rawValue)@example.com" }) {
                #expect(try await rt.contacts(crm, email: email).count == 1)
            }
            let held = try await rt.store.database.raw("SELECT COUNT(*) AS n FROM customer_locks WHERE locked_until > 0").first()?.decode(column: "n", as: Int.self)
            #expect(held == 0)
        }
    }
}
