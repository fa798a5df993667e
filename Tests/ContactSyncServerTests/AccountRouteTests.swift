import ContactSyncCore
import ContactSyncServer
import Foundation
import Hummingbird
import Testing

@Suite("Routes: accounts, fields, OAuth")
struct AccountRouteTests {
    @Test("the built-in emulators connect with no credentials, for both CRMs", arguments: [CRM.hubspot, .salesforce])
    func emulatorAccounts(crm: CRM) async throws {
        try await withServer { api in
            let answer = try await api.call(.post, "/v1/accounts", json: #"{"crm":"\#(crm.rawValue)","emulator":true,"name":"Demo"}"#)
            #expect(answer.status == .created)
            #expect(answer.string("status") == "connected")
            #expect(answer.string("name") == "Demo")
            #expect(answer.json?["emulator"] as? Bool == true)
            let id = try #require(answer.string("id"))
            #expect(try await api.call(.get, "/v1/accounts/\(id)").string("id") == id)
        }
    }

    @Test("token accounts are verified on connect; a bad token is 422 account_verification_failed")
    func tokenAccounts() async throws {
        try await withServer { api in
            let hubspot = try await api.call(.post, "/v1/accounts", json: #"{"crm":"hubspot","name":"Acme","accessToken":"test-acme","baseURL":"\#(api.hubspotURL)"}"#)
            #expect(hubspot.status == .created)
            let salesforce = try await api.call(.post, "/v1/accounts", json: #"{"crm":"salesforce","name":"Acme","instanceURL":"\#(api.salesforceURL)","accessToken":"test-acme"}"#)
            #expect(salesforce.status == .created)
            let bad = try await api.call(.post, "/v1/accounts", json: #"{"crm":"hubspot","name":"Acme","accessToken":"pat-na1-wrong","baseURL":"\#(api.hubspotURL)"}"#)
            #expect(bad.status == .unprocessableContent)
            #expect(bad.errorCode == "account_verification_failed")
            for body in [#"{"crm":"hubspot","accessToken":"x"}"#, #"{"crm":"hubspot","name":"A"}"#, #"{"crm":"salesforce","name":"A","accessToken":"x"}"#,
                         #"{"crm":"hubspot","name":"A","accessToken":"x","baseURL":"not a url"}"#] {
                let answer = try await api.call(.post, "/v1/accounts", json: body)
                #expect(answer.status == .badRequest, "\(body)")
                #expect(answer.errorCode == "invalid_request")
            }
        }
    }

    /// How many CRM requests the HubSpot emulator has answered.
    static func requestCount(_ api: ServerHarness) async throws -> Int {
        let (_, body) = try await api.emulator(api.hubspotURL, .GET, "/_emulator/requests")
        return (try JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any])?["total"] as? Int ?? -1
    }

    @Test("a token no CRM issues (a line break, a control character, a space) is refused at once, on connect and on reconnect, without calling the CRM")
    func malformedTokensRefusedAtOnce() async throws {
        try await withServer { api in
            let account = try #require(try await api.call(
                .post, "/v1/accounts", json: #"{"crm":"hubspot","name":"Acme","accessToken":"test-acme","baseURL":"\#(api.hubspotURL)"}"#).string("id"))
            let before = try await Self.requestCount(api)
            let clock = ContinuousClock()
            let started = clock.now
            for token in [#"a\nb"#, #"a\u0000b"#, "a b", #"caf\u00e9"#] {
                let connect = try await api.call(
                    .post, "/v1/accounts", json: #"{"crm":"hubspot","name":"Acme","accessToken":"\#(token)","baseURL":"\#(api.hubspotURL)"}"#)
                #expect(connect.status == .unprocessableContent, "\(token)")
                #expect(connect.errorCode == "account_verification_failed")
                let reconnect = try await api.call(
                    .post, "/v1/accounts/\(account)/reconnect", json: #"{"crm":"hubspot","accessToken":"\#(token)","baseURL":"\#(api.hubspotURL)"}"#)
                #expect(reconnect.status == .unprocessableContent, "\(token)")
                #expect(reconnect.errorCode == "account_verification_failed")
            }
            let session = try await api.call(
                .post, "/v1/accounts",
                json: #"{"crm":"salesforce","name":"A","instanceURL":"\#(api.salesforceURL)","accessToken":"test-ok","clientSecret":"s\necret"}"#)
            #expect(session.errorCode == "account_verification_failed")
            #expect(try await Self.requestCount(api) == before, "the CRM was called")
            // Nine refusals; a token tried on the wire and retried as a transport failure would take at least 6 s
            // each (half of the default backoff's 12.7 s), so 20 s leaves a loaded machine its margin.
            #expect(clock.now - started < .seconds(20))
        }
    }

    @Test("accounts list with limit and cursor; unknown ids are 404")
    func listAndPaging() async throws {
        try await withServer { api in
            var ids: [String] = []
            for crm in [CRM.hubspot, .salesforce, .hubspot] { ids.append(try await api.emulatorAccount(crm)) }
            let first = try await api.call(.get, "/v1/accounts?limit=2")
            #expect(first.items.compactMap { $0["id"] as? String } == Array(ids.prefix(2)))
            let cursor = try #require(first.string("nextCursor"))
            let second = try await api.call(.get, "/v1/accounts?limit=2&cursor=\(cursor)")
            #expect(second.items.compactMap { $0["id"] as? String } == [ids[2]])
            #expect(second.json?["nextCursor"] is NSNull)
            let missing = try await api.call(.get, "/v1/accounts/acc_nope")
            #expect(missing.status == .notFound)
            #expect(missing.errorCode == "not_found")
            #expect(try await api.call(.delete, "/v1/accounts/acc_nope").status == .notFound)
        }
    }

    @Test("fields carry mappability and reasons")
    func fields() async throws {
        try await withServer { api in
            let salesforce = try await api.emulatorAccount(.salesforce)
            let fields = try await api.call(.get, "/v1/accounts/\(salesforce)/fields").items
            let byName = Dictionary(uniqueKeysWithValues: fields.compactMap { field in (field["name"] as? String).map { ($0, field) } })
            #expect(byName["LastName"]?["mappable"] as? Bool == true)
            #expect(byName["LastName"]?["requiredOnCreate"] as? Bool == true)
            #expect(byName["LastName"]?["reason"] is NSNull)
            #expect(byName["Birthdate"]?["reason"] as? String == "unsupported_type")
            #expect(byName["Name"]?["reason"] as? String == "read_only")
            #expect(byName["Display_Label__c"]?["reason"] as? String == "calculated")
            #expect(byName["Preferred_Channel__c"]?["picklistValues"] as? [String] == ["Email", "Phone", "Chat"])
            let hubspot = try await api.emulatorAccount(.hubspot)
            let properties = try await api.call(.get, "/v1/accounts/\(hubspot)/fields").items
            #expect(properties.first { $0["name"] as? String == "ai_conversation_summary" }?["mappable"] as? Bool == true)
            #expect(properties.first { $0["name"] as? String == "nps_score" }?["reason"] as? String == "unsupported_type")
            #expect(try await api.call(.get, "/v1/accounts/acc_nope/fields").status == .notFound)
        }
    }

    @Test("an account in use cannot be deleted (409 account_in_use); an unused one can (204)")
    func deleteAccount() async throws {
        try await withServer { api in
            let used = try await api.emulatorAccount(.hubspot)
            let action = #"{"template":"hubspot.upsert_contact","name":"Save","intent":"i","accountId":"\#(used)","mappings":[{"crmField":"email","agentField":"email"}]}"#
            #expect(try await api.call(.post, "/v1/actions", json: action).status == .created)
            let refused = try await api.call(.delete, "/v1/accounts/\(used)")
            #expect(refused.status == .conflict)
            #expect(refused.errorCode == "account_in_use")
            let unused = try await api.emulatorAccount(.salesforce)
            #expect(try await api.call(.delete, "/v1/accounts/\(unused)").status == .noContent)
            #expect(try await api.call(.get, "/v1/accounts/\(unused)").status == .notFound)
        }
    }

    @Test("OAuth with state and PKCE, authorize to callback, for both CRMs (against the emulators)", arguments: [CRM.hubspot, .salesforce])
    func oauth(crm: CRM) async throws {
        try await withServer { api in
            let start = try await api.call(.get, "/v1/oauth/\(crm.rawValue)/authorize?name=Acme%20CRM&emulator=true")
            #expect(start.status == .found)
            let location = try #require(start.headers[.location])
            #expect(location.contains("code_challenge="))
            #expect(location.contains("state="))
            let (done, code, state, cookie) = try await api.oauthCallback(crm, after: start)
            #expect(done.status == .created)
            #expect(done.string("name") == "Acme CRM")
            #expect(done.string("crm") == crm.rawValue)
            let replay = try await api.call(.get, "/oauth/\(crm.rawValue)/callback?code=\(code)&state=\(state)", key: nil, headers: [.cookie: cookie])
            #expect(replay.status == .badRequest)
            #expect(replay.errorCode == "invalid_state")
        }
    }

    @Test("oauthStateIsBoundToItsBrowser: a callback without the binding cookie of the browser that started the authorization changes nothing", arguments: [CRM.hubspot, .salesforce])
    func oauthStateIsBoundToItsBrowser(crm: CRM) async throws {
        try await withServer { api in
            let mine = try await api.call(.get, "/v1/oauth/\(crm.rawValue)/authorize?name=Mine&emulator=true")
            let binding = try #require(mine.headers[values: .setCookie].first { $0.hasPrefix("cs_oauth_") })
            #expect(binding.contains("HttpOnly") && binding.contains("SameSite=Lax") && binding.contains("Path=/oauth"))
            // A forged callback: the state reaches another browser, which has no binding or another flow's.
            let theirs = try await api.call(.get, "/v1/oauth/\(crm.rawValue)/authorize?name=Theirs&emulator=true")
            let otherBinding = try #require(theirs.headers[values: .setCookie].first?.split(separator: ";").first.map(String.init))
            let forged = try await api.oauthCallback(crm, after: mine, cookie: otherBinding)
            #expect(forged.answer.status == .badRequest)
            #expect(forged.answer.errorCode == "invalid_state")
            let bare = try await api.call(.get, "/oauth/\(crm.rawValue)/callback?code=\(forged.code)&state=\(forged.state)", key: nil)
            #expect(bare.errorCode == "invalid_state")
            #expect(!(try await api.call(.get, "/v1/accounts").items.contains { $0["name"] as? String == "Mine" }))
            // The browser that started it still finishes it.
            let own = String(binding.prefix { $0 != ";" })
            let done = try await api.call(.get, "/oauth/\(crm.rawValue)/callback?code=\(forged.code)&state=\(forged.state)", key: nil, headers: [.cookie: own])
            #expect(done.status == .created)
            #expect(done.string("name") == "Mine")
        }
    }

    @Test("OAuth needs a configured client unless it targets the emulator; a denial is reported")
    func oauthErrors() async throws {
        try await withServer(configure: { $0.services.emulatorURLs = [:] }) { api in
            let answer = try await api.call(.get, "/v1/oauth/hubspot/authorize?name=x")
            #expect(answer.status == .unprocessableContent)
            #expect(answer.errorCode == "oauth_not_configured")
            #expect(try await api.call(.get, "/v1/oauth/hubspot/authorize?emulator=true").errorCode == "emulator_unavailable")
            #expect(try await api.call(.post, "/v1/accounts", json: #"{"crm":"hubspot","emulator":true}"#).errorCode == "emulator_unavailable")
            #expect(try await api.call(.get, "/v1/oauth/pipedrive/authorize").status == .notFound)
            #expect(try await api.call(.get, "/oauth/hubspot/callback?error=access_denied", key: nil).errorCode == "authorization_denied")
            #expect(try await api.call(.get, "/oauth/hubspot/callback", key: nil).errorCode == "invalid_request")
        }
        try await withServer(configure: { $0.hubspotClient = .init(clientId: "real-app", clientSecret: "s") }) { api in
            let answer = try await api.call(.get, "/v1/oauth/hubspot/authorize?name=x")
            #expect(answer.status == .found)
            #expect(answer.headers[.location]?.hasPrefix("https://app.hubspot.com/oauth/authorize?client_id=real-app") == true)
        }
    }
}
