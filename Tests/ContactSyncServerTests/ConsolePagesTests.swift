import Foundation
import HTTPTypes
import Testing

/// Every console page renders for a signed-in operator, with what it is for (ARCHITECTURE §8).
@Suite("Console: the pages")
struct ConsolePagesTests {
    typealias Browser = ConsoleSecurityTests.Browser

    func page(_ api: ServerHarness, _ browser: Browser, _ path: String) async throws -> String {
        let answer = try await ConsoleSecurityTests.send(api, .get, path, cookie: browser.cookie)
        #expect(answer.status == .ok, "\(path) answered \(answer.status)")
        return answer.body
    }

    @Test("a broken account shows a reconnect banner naming the actions that use it; every page renders")
    func pages() async throws {
        try await withServer { api in
            let account = try #require(try await api.call(
                .post, "/v1/accounts", json: #"{"crm":"hubspot","name":"Token HubSpot","accessToken":"test-banner","baseURL":"\#(api.hubspotURL)"}"#).string("id"))
            let action = try await api.action(.hubspot, allowCreate: true, allowUpdateExisting: true, account: account, name: "Banner action")
            var revoke = HTTPClientRequestBuilder(url: api.hubspotURL + "/_emulator/tokens/test-banner/revoke", method: .POST, json: nil, token: nil)
            _ = try await revoke.send()
            let failed = try await api.call(.post, "/v1/actions/\(action)/runs", json: #"{"fields":{"email":"b@example.com"}}"#)
            #expect(failed.string("status") == "failed")
            let runId = try #require(failed.string("id"))
            let agent = try #require(try await api.call(.post, "/v1/agents", json: #"{"name":"Desk","channel":"text","actionIds":["\#(action)"]}"#).string("id"))
            let conversation = try #require(try await api.call(.post, "/v1/conversations", json: #"{"agentId":"\#(agent)"}"#).string("id"))
            try await api.call(.post, "/v1/conversations/\(conversation)/messages", json: #"{"role":"customer","text":"my name is Ada"}"#)

            let (browser, _) = try await ConsoleSecurityTests.signIn(api)
            let accounts = try await page(api, browser, "/console/accounts")
            #expect(accounts.contains("Token HubSpot must be reconnected."))
            #expect(accounts.contains("Runs of Banner action wait until it is."))
            #expect(accounts.contains("Reconnect Token HubSpot"))
            let overview = try await page(api, browser, "/console")
            #expect(overview.contains("Reconnect required"))
            #expect(overview.contains("<title>1 failed, 0 h ago</title>"), "the chart has a bar for the failed run")
            let library = try await page(api, browser, "/console/actions")
            #expect(library.contains("Banner action"))
            #expect(library.contains("href=\"/console/runs/\(runId)\""), "the library links the action's last run")
            let configure = try await page(api, browser, "/console/actions/\(action)")
            #expect(configure.contains("Edit action intent"))
            #expect(configure.contains("By email, then by phone number") && configure.contains("As a call on the contact&#39;s timeline"))
            #expect(try await page(api, browser, "/console/agents").contains("/v1/agents/\(agent)/mcp"))
            #expect(try await page(api, browser, "/console/agent-fields").contains("last_name"))
            #expect(try await page(api, browser, "/console/conversations").contains(conversation))
            #expect(try await page(api, browser, "/console/conversations/\(conversation)").contains("my name is Ada"))
            #expect(try await page(api, browser, "/console/runs?status=failed").contains(runId))
            let run = try await page(api, browser, "/console/runs/\(runId)")
            #expect(run.contains("The run failed"))
            #expect(run.contains(">Retry</button>"))
            #expect(run.contains("Code reconnect_required"), "the run page names the error's code")
            let created = try await ConsoleSecurityTests.send(
                api, .post, "/console/agents/\(agent)/keys", cookie: browser.cookie, form: ConsoleSecurityTests.form(["csrf": browser.csrf])).body
            #expect(created.contains("New agent key (shown once): <code>csa_"), "a new agent key is shown once, on its agent")
            // Connect a voice platform from the agent's card: the URL to paste is shown, the secret never.
            #expect(created.contains("Connect a voice platform"))
            let connected = try await ConsoleSecurityTests.send(
                api, .post, "/console/agents/\(agent)/platform", cookie: browser.cookie,
                form: ConsoleSecurityTests.form(["csrf": browser.csrf, "platform": "retell", "secret": "key_console_secret", "mapping": "plan_name = last_name", "callerPhoneField": "phone"]))
            #expect(connected.status == .seeOther)
            let agents = try await page(api, browser, "/console/agents")
            #expect(agents.contains("/v1/agents/\(agent)/webhooks/retell"))
            #expect(agents.contains("plan_name → last_name"))
            #expect(!agents.contains("key_console_secret"))
        }
    }
}
