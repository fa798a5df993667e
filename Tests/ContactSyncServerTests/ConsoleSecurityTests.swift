import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

@testable import ContactSyncServer

/// The console's sign-in, session cookie, CSRF tokens and escaping (ARCHITECTURE §8).
@Suite("Console: session cookie, CSRF, escaping")
struct ConsoleSecurityTests {
    /// A signed-in browser: the session cookie and a CSRF token from a page.
    struct Browser {
        let cookie: String
        let csrf: String
    }

    static func form(_ pairs: [String: String]) -> String {
        pairs.map { "\($0.key)=\($0.value.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")" }.joined(separator: "&")
    }

    static func send(_ api: ServerHarness, _ method: HTTPRequest.Method, _ uri: String, cookie: String?, form: String? = nil) async throws -> APIAnswer {
        var headers: HTTPFields = [:]
        if let cookie { headers[.cookie] = cookie }
        if form != nil { headers[.contentType] = "application/x-www-form-urlencoded" }
        let response = try await api.client.executeRequest(uri: uri, method: method, headers: headers, body: form.map { ByteBuffer(string: $0) })
        return APIAnswer(status: response.status, headers: response.headers, body: String(buffer: response.body))
    }

    static func hiddenCSRF(_ html: String) -> String? {
        guard let range = html.range(of: #"name="csrf" value=""#) else { return nil }
        return String(html[range.upperBound...].prefix { $0 != "\"" })
    }

    static func cookiePair(_ setCookie: String) -> String { String(setCookie.prefix { $0 != ";" }) }

    static func signIn(_ api: ServerHarness) async throws -> (Browser, setCookie: String) {
        let page = try await send(api, .get, "/console/login", cookie: nil)
        let loginCookie = cookiePair(try #require(page.headers[.setCookie]))
        let token = try #require(hiddenCSRF(page.body))
        let signedIn = try await send(api, .post, "/console/login", cookie: loginCookie, form: form(["csrf": token, "apiKey": apiKey]))
        #expect(signedIn.status == .seeOther)
        let setCookie = try #require(signedIn.headers[values: .setCookie].first { $0.hasPrefix("cs_session=") })
        let cookie = cookiePair(setCookie)
        let overview = try await send(api, .get, "/console", cookie: cookie)
        #expect(overview.status == .ok)
        return (Browser(cookie: cookie, csrf: try #require(hiddenCSRF(overview.body))), setCookie)
    }

    @Test("the session cookie is HttpOnly and SameSite=Strict (Secure behind https); a wrong key or a forged cookie gets no session")
    func sessionCookie() async throws {
        try await withServer { api in
            let (browser, setCookie) = try await Self.signIn(api)
            #expect(setCookie.contains("HttpOnly"))
            #expect(setCookie.contains("SameSite=Strict"))
            #expect(setCookie.contains("Path=/console"))
            #expect(!setCookie.contains("Secure"))
            #expect(!browser.cookie.contains(apiKey))
            let page = try await Self.send(api, .get, "/console/login", cookie: nil)
            let wrong = try await Self.send(
                api, .post, "/console/login", cookie: Self.cookiePair(try #require(page.headers[.setCookie])),
                form: Self.form(["csrf": try #require(Self.hiddenCSRF(page.body)), "apiKey": "not-the-key"]))
            #expect(wrong.status == .unauthorized)
            #expect(wrong.headers[values: .setCookie].allSatisfy { !$0.hasPrefix("cs_session=") })
            let forged = try await Self.send(api, .get, "/console", cookie: "cs_session=" + String(browser.cookie.dropFirst(11).reversed()))
            #expect(forged.status == .seeOther)
            #expect(forged.headers[.location] == "/console/login")
            #expect(forged.headers[.contentSecurityPolicy]?.contains("script-src 'self'") == true)
        }
        try await withServer(configure: { $0.publicURL = "https://sync.example.com" }) { api in
            let (_, setCookie) = try await Self.signIn(api)
            #expect(setCookie.contains("; Secure"))
        }
    }

    @Test("signing out ends the session on the server: a kept copy of its cookie no longer signs in; other sessions go on")
    func signOut() async throws {
        try await withServer { api in
            let (browser, _) = try await Self.signIn(api)
            let (other, _) = try await Self.signIn(api)
            let out = try await Self.send(api, .post, "/console/logout", cookie: browser.cookie, form: Self.form(["csrf": browser.csrf]))
            #expect(out.status == .seeOther)
            #expect(out.headers[values: .setCookie].contains { $0.hasPrefix("cs_session=;") && $0.contains("Max-Age=0") })
            let replayed = try await Self.send(api, .get, "/console", cookie: browser.cookie)
            #expect(replayed.status == .seeOther)
            #expect(replayed.headers[.location] == "/console/login")
            let form = try await Self.send(api, .post, "/console/agent-fields", cookie: browser.cookie, form: Self.form(["key": "after_signout", "label": "X", "csrf": browser.csrf]))
            #expect(form.status == .seeOther)
            #expect(form.headers[.location] == "/console/login")
            #expect(try await api.call(.get, "/v1/fields").items.allSatisfy { $0["key"] as? String != "after_signout" })
            #expect(try await Self.send(api, .get, "/console", cookie: other.cookie).status == .ok)
        }
    }

    @Test("every form needs the session's CSRF token: without it or with another session's, nothing changes (403)")
    func csrfTokens() async throws {
        try await withServer { api in
            let (browser, _) = try await Self.signIn(api)
            let (other, _) = try await Self.signIn(api)
            #expect(other.csrf != browser.csrf)
            for token in [nil, other.csrf, "forged"] as [String?] {
                var pairs = ["key": "csrf_probe", "label": "Probe"]
                if let token { pairs["csrf"] = token }
                let refused = try await Self.send(api, .post, "/console/agent-fields", cookie: browser.cookie, form: Self.form(pairs))
                #expect(refused.status == .forbidden)
            }
            #expect(try await api.call(.get, "/v1/fields").items.allSatisfy { $0["key"] as? String != "csrf_probe" })
            let accepted = try await Self.send(api, .post, "/console/agent-fields", cookie: browser.cookie, form: Self.form(["key": "csrf_probe", "label": "Probe", "csrf": browser.csrf]))
            #expect(accepted.status == .seeOther)
            #expect(try await api.call(.get, "/v1/fields").items.contains { $0["key"] as? String == "csrf_probe" })
            let signIn = try await Self.send(api, .post, "/console/login", cookie: nil, form: Self.form(["apiKey": apiKey]))
            #expect(signIn.status == .unauthorized)
            #expect(signIn.headers[values: .setCookie].allSatisfy { !$0.hasPrefix("cs_session=") })
        }
    }

    @Test("a CRM field label and customer text containing <script> are shown escaped")
    func escaping() async throws {
        try await withServer { api in
            let label = "<script>alert('label')</script>"
            var property = HTTPClientRequestBuilder(
                url: api.hubspotURL + "/crm/v3/properties/contacts", method: .POST,
                json: #"{"name":"evil_label","label":"\#(label)","type":"string","fieldType":"text","groupName":"contactinformation"}"#, token: "test-escape")
            let (status, body) = try await property.send()
            #expect(status == 201, "\(body)")
            let account = try await api.emulatorAccount(.hubspot)
            let (browser, _) = try await Self.signIn(api)
            let page = try await Self.send(api, .get, "/console/actions/new?template=hubspot.upsert_contact", cookie: browser.cookie)
            #expect(page.status == .ok)
            #expect(page.body.contains("&lt;script&gt;alert(&#39;label&#39;)&lt;/script&gt;") || page.body.contains("&lt;script&gt;alert(&#x27;label&#x27;)&lt;/script&gt;"))
            #expect(!page.body.contains(label))
            #expect(page.body.contains(account) || page.body.contains("HubSpot"))

            let agent = try #require(try await api.call(.post, "/v1/agents", json: #"{"name":"A","channel":"text","actionIds":[]}"#).string("id"))
            let conversation = try #require(try await api.call(.post, "/v1/conversations", json: #"{"agentId":"\#(agent)"}"#).string("id"))
            try await api.call(.post, "/v1/conversations/\(conversation)/messages", json: #"{"role":"customer","text":"<script>alert('customer')</script>"}"#)
            let transcript = try await Self.send(api, .get, "/console/conversations/\(conversation)", cookie: browser.cookie)
            #expect(transcript.status == .ok)
            #expect(!transcript.body.contains("<script>alert('customer')"))
            #expect(transcript.body.contains("&lt;script&gt;alert("))
        }
    }
}
