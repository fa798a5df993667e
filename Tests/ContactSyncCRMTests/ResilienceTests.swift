import ContactSyncCore
@testable import ContactSyncCRM
import Foundation
import Testing

@Suite("Connectors: faults, token renewal, limits")
struct ResilienceTests {
    /// Every contact in the HubSpot emulator, by email.
    static func hubspotEmails(_ harness: Harness) async throws -> [String] {
        var emails: [String] = []
        var after = "0"
        while true {
            let page = try await harness.send(.GET, "/crm/v3/objects/contacts?limit=100&after=\(after)&properties=email", token: "test-audit").body
            for result in page?["results"] as? [[String: Any]] ?? [] {
                if let email = (result["properties"] as? [String: Any])?["email"] as? String { emails.append(email) }
            }
            guard let next = ((page?["paging"] as? [String: Any])?["next"] as? [String: Any])?["after"] as? String else { return emails }
            after = next
        }
    }

    static func salesforceEmails(_ harness: Harness) async throws -> [String] {
        let q = "SELECT Email FROM Contact".addingPercentEncoding(withAllowedCharacters: .alphanumerics)!
        let rows = try await harness.send(.GET, "/services/data/v62.0/query?q=\(q)", token: "test-audit").body?["records"] as? [[String: Any]] ?? []
        return rows.compactMap { $0["Email"] as? String }
    }

    @Test("HubSpot: a 429 storm and 5xx, hangs and dropped connections are retried to success without duplicates")
    func hubspotChaos() async throws {
        let harness = try await Harness.hubspot()
        let connector = hubspotConnector(harness, timeout: .seconds(2))
        _ = try await connector.verify(log: nil)
        try await harness.faults(#"{"rate429":0.3,"rate5xx":0.1,"rateTimeout":0.05,"rateReset":0.05,"timeoutSeconds":0.2}"#)
        let at = Date(timeIntervalSince1970: 1_800_000_000)
        for index in 0..<12 {
            let email = "chaos\(index)@example.com"
            #expect(try await connector.lookup(email: email, log: nil).isEmpty)
            let id = try await connector.createContact(["email": email], log: nil)
            _ = try await connector.writeNote(NoteWrite(contactId: id, text: "note \(index)", existingNoteId: nil, timestamp: at), log: nil)
        }
        let batch = try await connector.createContacts((0..<30).map { ["email": "bulk\($0)@example.com"] }, log: nil)
        #expect(batch.allSatisfy { (try? $0.get()) != nil })
        try await harness.faults("{}")
        let emails = try await Self.hubspotEmails(harness)
        #expect(emails.count == 42)
        #expect(Set(emails).count == 42)
        for index in 0..<12 {
            let id = try #require(try await connector.lookup(email: "chaos\(index)@example.com", log: nil).first?.id)
            let contact = try await harness.send(.GET, "/crm/v3/objects/contacts/\(id)?associations=notes", token: "test-audit").body
            let notes = ((contact?["associations"] as? [String: Any])?["notes"] as? [String: Any])?["results"] as? [Any]
            #expect(notes?.count == 1, "contact \(index) has \(notes?.count ?? 0) notes")
        }
        await harness.stop()
    }

    @Test("Salesforce: throttling, 5xx, hangs and dropped connections are retried to success without duplicates")
    func salesforceChaos() async throws {
        let harness = try await Harness.salesforce()
        let connector = salesforceConnector(harness, timeout: .seconds(2))
        _ = try await connector.verify(log: nil)
        try await harness.faults(#"{"rate429":0.3,"rate5xx":0.1,"rateTimeout":0.05,"rateReset":0.05,"timeoutSeconds":0.2}"#)
        for index in 0..<12 {
            let email = "chaos\(index)@example.com"
            #expect(try await connector.lookup(email: email, log: nil).isEmpty)
            let id = try await connector.createContact(["Email": email, "LastName": "L\(index)"], log: nil)
            try await connector.updateContact(id: id, ["Title": "T"], log: nil)
        }
        let batch = try await connector.createContacts((0..<30).map { ["Email": "bulk\($0)@example.com", "LastName": "B"] }, log: nil)
        #expect(batch.allSatisfy { (try? $0.get()) != nil })
        try await harness.faults("{}")
        let emails = try await Self.salesforceEmails(harness)
        #expect(emails.count == 42)
        #expect(Set(emails.map { $0.lowercased() }).count == 42)
        await harness.stop()
    }

    @Test("HubSpot: a token expiring mid-sequence is renewed once for concurrent calls, and the sequence continues")
    func hubspotRenewal() async throws {
        let harness = try await Harness.hubspot()
        let recorder = RenewalRecorder()
        let credentials = try await OAuthDance.hubspot(harness)
        let connector = hubspotConnector(harness, credentials: credentials, recorder: recorder)
        _ = try await connector.createContact(["email": "before@example.com"], log: nil)
        try await harness.send(.POST, "/_emulator/tokens/\(credentials.accessToken)/expire")
        try await withThrowingTaskGroup(of: Void.self) { group in
            for index in 0..<6 { group.addTask { _ = try await connector.lookup(email: "c\(index)@example.com", log: nil) } }
            try await group.waitForAll()
        }
        #expect(recorder.count == 1)
        #expect(recorder.last?.accessToken != credentials.accessToken)
        #expect(recorder.last?.refreshToken == credentials.refreshToken)
        _ = try await connector.createContact(["email": "after@example.com"], log: nil)
        #expect(recorder.count == 1)
        await harness.stop()
    }

    @Test("HubSpot: a token close to expiry is renewed before the call")
    func hubspotProactiveRenewal() async throws {
        let harness = try await Harness.hubspot()
        let recorder = RenewalRecorder()
        var credentials = try await OAuthDance.hubspot(harness)
        credentials.expiresAt = Date().addingTimeInterval(60)
        let connector = hubspotConnector(harness, credentials: credentials, recorder: recorder)
        let log = CRMCallLog()
        _ = try await connector.lookup(email: "x@example.com", log: log)
        #expect(recorder.count == 1)
        #expect(log.entries.allSatisfy { !$0.route.contains("oauth/v3/token") })
        await harness.stop()
    }

    @Test("a revoked grant gives reconnect_required", arguments: [CRM.hubspot, .salesforce])
    func revokedGrant(crm: CRM) async throws {
        let harness = try await (crm == .hubspot ? Harness.hubspot() : Harness.salesforce())
        let credentials = try await (crm == .hubspot ? OAuthDance.hubspot(harness) : OAuthDance.salesforce(harness))
        let connector: any CRMConnector = crm == .hubspot ? hubspotConnector(harness, credentials: credentials) : salesforceConnector(harness, credentials: credentials)
        _ = try await connector.verify(log: nil)
        try await harness.send(.POST, "/_emulator/tokens/\(credentials.refreshToken!)/revoke")
        try await harness.send(.POST, "/_emulator/tokens/\(credentials.accessToken)/expire")
        let error = await #expect(throws: CRMError.self) { _ = try await connector.lookup(email: "x@example.com", log: nil) }
        #expect(error?.code == .reconnectRequired)
        await harness.stop()
    }

    @Test("revoking the grant ends it at the CRM: the refresh token no longer renews", arguments: [CRM.hubspot, .salesforce])
    func revokeGrant(crm: CRM) async throws {
        let harness = try await (crm == .hubspot ? Harness.hubspot() : Harness.salesforce())
        let credentials = try await (crm == .hubspot ? OAuthDance.hubspot(harness) : OAuthDance.salesforce(harness))
        let connector: any CRMConnector = crm == .hubspot ? hubspotConnector(harness, credentials: credentials) : salesforceConnector(harness, credentials: credentials)
        _ = try await connector.verify(log: nil)
        try await connector.revokeGrant()
        let (status, _, _, _) = try await harness.send(
            .POST, crm == .hubspot ? "/oauth/v3/token" : "/services/oauth2/token",
            form: [("grant_type", "refresh_token"), ("refresh_token", credentials.refreshToken!), ("client_id", "client-1"), ("client_secret", "secret")])
        #expect(status == 400)
        let error = await #expect(throws: CRMError.self) { _ = try await connector.lookup(email: "after@example.com", log: nil) }
        #expect(error?.code == .reconnectRequired)
        await harness.stop()
    }

    @Test("Salesforce: INVALID_SESSION_ID renews once for concurrent calls and keeps the instance URL")
    func salesforceRenewal() async throws {
        let harness = try await Harness.salesforce()
        let recorder = RenewalRecorder()
        let credentials = try await OAuthDance.salesforce(harness)
        #expect(credentials.instanceURL == harness.url)
        let connector = salesforceConnector(harness, credentials: credentials, recorder: recorder)
        _ = try await connector.verify(log: nil)
        try await harness.send(.POST, "/_emulator/tokens/\(credentials.accessToken)/expire")
        try await withThrowingTaskGroup(of: Void.self) { group in
            for index in 0..<6 { group.addTask { _ = try await connector.lookup(email: "c\(index)@example.com", log: nil) } }
            try await group.waitForAll()
        }
        #expect(recorder.count == 1)
        #expect(recorder.last?.instanceURL == harness.url)
        #expect(recorder.last?.refreshToken == credentials.refreshToken)
        await harness.stop()
    }

    @Test("Salesforce: the daily limit stops retries with a clear error")
    func dailyLimit() async throws {
        let harness = try await Harness.salesforce { $0.dailyApiLimit = 3 }
        let connector = salesforceConnector(harness)
        _ = try await connector.verify(log: nil)
        _ = try await connector.lookup(email: "a@example.com", log: nil)
        _ = try await connector.lookup(email: "b@example.com", log: nil)
        let error = await #expect(throws: CRMError.self) { _ = try await connector.lookup(email: "c@example.com", log: nil) }
        #expect(error?.code == .dailyLimitExceeded)
        #expect(error?.crmCode == "REQUEST_LIMIT_EXCEEDED")
        #expect(error?.isRetryable == false)
        let again = await #expect(throws: CRMError.self) { _ = try await connector.lookup(email: "d@example.com", log: nil) }
        #expect(again?.code == .dailyLimitExceeded)
        // The answer to the third call reported the limit spent, so the fourth was never sent.
        #expect(try await harness.total() == 3)
        await harness.stop()
    }

    @Test("HubSpot: phone searches are paced to the search API's 4 a second: a burst of them meets no 429")
    func searchPacing() async throws {
        let harness = try await Harness.hubspot()
        let connector = hubspotConnector(harness)
        _ = try await connector.verify(log: nil)
        let log = CRMCallLog()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for index in 0..<12 { group.addTask { _ = try await connector.lookup(phones: ["+1415555\(1000 + index)"], log: log) } }
            try await group.waitForAll()
        }
        let statuses = try await harness.send(.GET, "/_emulator/requests").body?["byStatus"] as? [String: Int] ?? [:]
        #expect(statuses["429"] == nil, "throttled answers: \(statuses)")
        #expect(log.count == 12, "\(log.count) calls, \(statuses)")
        await harness.stop()
    }

    @Test("HubSpot: pacing by the rate-limit headers keeps a burst free of 429s")
    func pacing() async throws {
        let harness = try await Harness.hubspot { $0.burstLimit = 15; $0.burstWindowSeconds = 1 }
        let connector = hubspotConnector(harness)
        _ = try await connector.verify(log: nil)
        let log = CRMCallLog()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for index in 0..<40 { group.addTask { _ = try await connector.lookup(email: "p\(index)@example.com", log: log) } }
            try await group.waitForAll()
        }
        let statuses = try await harness.send(.GET, "/_emulator/requests").body?["byStatus"] as? [String: Int] ?? [:]
        #expect(statuses["429"] == nil, "throttled answers: \(statuses)")
        #expect(log.count == 40, "\(log.count) calls, \(statuses)")
        await harness.stop()
    }
}
