import AsyncHTTPClient
import CRMEmulators
import ContactSyncCore
import ContactSyncRuntime
import ContactSyncStore
import ContactSyncTestSupport
import Foundation
import Testing

/// OAuth reconnect of an existing account (ARCHITECTURE §4, §5).
@Suite("Reconnecting an account by OAuth")
struct ReconnectTests {
    @Test("OAuth reconnect of an existing account keeps refresh, marks it connected, resumes its waiting runs, on every instance", arguments: Backend.available, [CRM.hubspot, .salesforce])
    func oauthReconnectResumesEverywhere(backend: Backend, crm: CRM) async throws {
        try await withRuntime(backend) { rt in
            let oauth = OAuthSettings(hubspot: nil, salesforce: nil, publicURL: "http://127.0.0.1:9", emulatorURLs: [.hubspot: rt.url(.hubspot), .salesforce: rt.url(.salesforce)])
            let first = try await authorize(rt, crm, accountId: nil, oauth)
            #expect(first.reconnected == false)
            let account = first.account
            let action = try await rt.action(crm, account: account.id, offline: true)
            let call = try await rt.conversation(agent: try await rt.agent(.voice, actions: [action]), attributes: ["email": "again@example.com", "last_name": "A"])

            // A second instance has a connector with the first grant cached.
            let otherConnectors = try rt.secondConnectors()
            let otherEngine = RunEngine(repositories: rt.repositories, connectors: otherConnectors, logger: Runtime.quiet, now: rt.clock.closure)
            let otherWorker = OfflineSync(repositories: rt.repositories, engine: otherEngine, logger: Runtime.quiet, now: rt.clock.closure)
            _ = try otherConnectors.connector(for: try #require(try await rt.repositories.accounts.account(id: account.id)))

            // The grant is revoked at the CRM: the run waits for the account.
            let granted = try rt.connectors.credentials(of: try #require(try await rt.repositories.accounts.account(id: account.id)))
            try await rt.emulator(crm, .POST, "/_emulator/tokens/\(try #require(granted.refreshToken))/revoke")
            _ = try await rt.conversations.end(conversationId: call)
            try await rt.offline.tick()
            #expect(try await rt.runs(conversation: call).first?.status == .waitingForAccount)
            #expect(try await rt.repositories.accounts.account(id: account.id)?.status == .reconnectRequired)

            let again = try await authorize(rt, crm, accountId: account.id, oauth)
            #expect(again.reconnected)
            #expect(again.account.id == account.id)
            #expect(again.account.status == .connected)
            let renewed = try rt.connectors.credentials(of: try #require(try await rt.repositories.accounts.account(id: account.id)))
            #expect(renewed.refreshToken != nil)
            #expect(renewed.accessToken != granted.accessToken)

            // The other instance carries the resumed run out with the new grant, and does not undo the reconnect.
            try await otherWorker.tick()
            let run = try #require(try await rt.runs(conversation: call).first)
            #expect(run.status == .succeeded)
            #expect(run.result?.outcome == .created)
            #expect(try await rt.repositories.accounts.account(id: account.id)?.status == .connected)
        }
    }

    @Test("reconnectChecksIdentity: credentials for another HubSpot portal or Salesforce org answer 422 account_mismatch and change nothing", arguments: Backend.available, [CRM.hubspot, .salesforce])
    func reconnectChecksIdentity(backend: Backend, crm: CRM) async throws {
        try await withRuntime(backend) { rt in
            let account = try await rt.account(crm)
            await rt.connectors.markReconnectRequired(accountId: account)
            let before = try #require(try await rt.repositories.accounts.account(id: account))
            // Another portal or org, reached with otherwise valid credentials.
            var hubspot = HubSpotEmulator.Configuration()
            hubspot.portalId = 99_990_001
            var salesforce = SalesforceEmulator.Configuration()
            salesforce.orgSerial = 77
            let other = crm == .hubspot
                ? try await HubSpotEmulator(configuration: hubspot).start(logger: Runtime.quiet)
                : try await SalesforceEmulator(configuration: salesforce).start(logger: Runtime.quiet)
            do {
                _ = try await rt.accounts.reconnect(accountId: account, .emulator(crm: crm, name: nil, baseURL: other.baseURL))
                Issue.record("a reconnect to another portal or org was accepted")
            } catch let error as ServiceError {
                #expect(error.code == .accountMismatch)
                #expect(error.kind == .unprocessable)
            }
            let after = try #require(try await rt.repositories.accounts.account(id: account))
            #expect(after.status == .reconnectRequired)
            #expect(after.sealedCredentials == before.sealedCredentials)
            // The same portal or org reconnects.
            _ = try await rt.accounts.reconnect(accountId: account, .emulator(crm: crm, name: nil, baseURL: rt.url(crm)))
            #expect(try await rt.repositories.accounts.account(id: account)?.status == .connected)
            await other.shutdown()
        }
    }

    @Test("an emulator authorization finished after a restart without emulators is an error, not a crash")
    func emulatorCallbackWithoutEmulators() async throws {
        try await withRuntime(.sqlite) { rt in
            let running = OAuthSettings(hubspot: nil, salesforce: nil, publicURL: "http://127.0.0.1:9", emulatorURLs: [.hubspot: rt.url(.hubspot)])
            let authorization = try await rt.accounts.authorize(crm: .hubspot, name: "Acme", emulator: true, sandbox: false, loginURL: nil, settings: running)
            let (code, state) = try await approve(authorization.url)
            let restarted = OAuthSettings(hubspot: nil, salesforce: nil, publicURL: "http://127.0.0.1:9", emulatorURLs: [:])
            do {
                _ = try await rt.accounts.finishAuthorization(crm: .hubspot, code: code, state: state, binding: authorization.binding, settings: restarted)
                Issue.record("the authorization finished without an emulator")
            } catch let error as ServiceError {
                #expect(error.code == .emulatorUnavailable)
            }
        }
    }

    private func authorize(_ rt: Runtime, _ crm: CRM, accountId: String?, _ oauth: OAuthSettings) async throws -> (account: AccountRecord, reconnected: Bool) {
        let authorization = try await rt.accounts.authorize(crm: crm, name: "Acme", emulator: true, sandbox: false, loginURL: nil, accountId: accountId, settings: oauth)
        let (code, state) = try await approve(authorization.url)
        return try await rt.accounts.finishAuthorization(crm: crm, code: code, state: state, binding: authorization.binding, settings: oauth)
    }
}

/// Follows the emulator's authorize page as a user approving it; returns the code and state it redirects with.
func approve(_ authorizeURL: String) async throws -> (code: String, state: String) {
    let query = try await EmulatorApproval.approve(authorizeURL)
    guard let code = query["code"], let state = query["state"] else {
        throw RuntimeTestError.unexpected("no code in the authorize redirect")
    }
    return (code, state)
}
