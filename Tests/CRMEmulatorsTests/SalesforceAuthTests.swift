import CRMEmulators
import Foundation
import Hummingbird
import Testing

@Suite("Salesforce emulator: sessions, OAuth, limits")
struct SalesforceAuthTests {
    static let describe = "/services/data/v62.0/sobjects/Contact/describe"

    @Test("a bad or expired session is 401 INVALID_SESSION_ID as a JSON array")
    func invalidSession() async throws {
        try await withSalesforce { sf in
            for token: String? in [nil, "bogus"] {
                let answer = try await sf.get(Self.describe, token: .some(token))
                #expect(answer.status == .unauthorized)
                #expect(answer.json?.array?.first?["errorCode"]?.string == "INVALID_SESSION_ID")
            }
            #expect(try await sf.get(Self.describe, token: "test-x").status == .ok)
            _ = try await sf.send(.post, "/_emulator/tokens/test-x/expire")
            #expect(try await sf.get(Self.describe, token: "test-x").json?.array?.first?["errorCode"]?.string == "INVALID_SESSION_ID")
        }
    }

    @Test("Sforce-Limit-Info counts calls; past the daily limit calls get 403 REQUEST_LIMIT_EXCEEDED")
    func dailyLimit() async throws {
        try await withSalesforce({ $0.dailyApiLimit = 2 }) { sf in
            #expect(try await sf.get(Self.describe).header("Sforce-Limit-Info") == "api-usage=1/2")
            #expect(try await sf.get(Self.describe).header("Sforce-Limit-Info") == "api-usage=2/2")
            let over = try await sf.get(Self.describe)
            #expect(over.status == .forbidden)
            #expect(over.json?.array?.first?["errorCode"]?.string == "REQUEST_LIMIT_EXCEEDED")
            #expect(over.json?.array?.first?["message"]?.string == "TotalRequests Limit exceeded.")
            _ = try await sf.send(.post, "/_emulator/limits", json: ["dailyApiRequests": 10])
            #expect(try await sf.get(Self.describe).status == .ok)
        }
    }

    @Test("OAuth web server flow with PKCE, refresh keeping instance_url, revoke")
    func oauth() async throws {
        try await withSalesforce({ $0.publicURL = "http://127.0.0.1:9102"; $0.clientSecrets = ["cid": "secret"] }) { sf in
            let verifier = "a-verifier-of-enough-length-0123456789abcdef"
            let challenge = "rAlM6ohoghgBKGV0SIGATL70vKABdGmI1qDLbm8pqGI"
            let authorize = try await sf.get("/services/oauth2/authorize?response_type=code&client_id=cid&redirect_uri=http%3A%2F%2Flocalhost%2Fcb&state=s1&code_challenge=\(challenge)", token: .some(nil))
            #expect(authorize.status == .found)
            let items = URLComponents(string: authorize.header("Location") ?? "")?.queryItems ?? []
            let code = try #require(items.first { $0.name == "code" }?.value)
            #expect(items.first { $0.name == "state" }?.value == "s1")

            let noVerifier = try await sf.send(.post, "/services/oauth2/token", form: ["grant_type": "authorization_code", "code": code, "client_id": "cid", "client_secret": "secret", "redirect_uri": "http://localhost/cb"], token: .some(nil))
            #expect(noVerifier.json?["error"]?.string == "invalid_grant")

            let code2 = try #require(URLComponents(string: try await sf.get("/services/oauth2/authorize?response_type=code&client_id=cid&redirect_uri=http%3A%2F%2Flocalhost%2Fcb&code_challenge=\(challenge)", token: .some(nil)).header("Location") ?? "")?.queryItems?.first { $0.name == "code" }?.value)
            let badSecret = try await sf.send(.post, "/services/oauth2/token", form: ["grant_type": "authorization_code", "code": code2, "client_id": "cid", "client_secret": "nope", "code_verifier": verifier], token: .some(nil))
            #expect(badSecret.json?["error"]?.string == "invalid_client")
            let tokens = try await sf.send(.post, "/services/oauth2/token", form: ["grant_type": "authorization_code", "code": code2, "client_id": "cid", "client_secret": "secret", "code_verifier": verifier, "redirect_uri": "http://localhost/cb"], token: .some(nil))
            #expect(tokens.status == .ok)
            #expect(tokens.json?["instance_url"]?.string == "http://127.0.0.1:9102")
            #expect(tokens.json?["token_type"]?.string == "Bearer")
            #expect(tokens.json?["issued_at"]?.string?.count == 13)
            let identity = try #require(tokens.json?["id"]?.string)
            #expect(identity.hasPrefix("http://127.0.0.1:9102/id/00D"))
            let access = try #require(tokens.json?["access_token"]?.string)
            let refresh = try #require(tokens.json?["refresh_token"]?.string)
            #expect(access.contains("!"))

            let created = try await sf.send(.post, "/services/data/v62.0/sobjects/Contact", json: ["LastName": "O"], token: access)
            let record = try await sf.get("/services/data/v62.0/sobjects/Contact/\(created.json?["id"]?.string ?? "")", token: access)
            #expect(identity.hasSuffix("/" + (record.json?["CreatedById"]?.string ?? "-")))
            let me = try await sf.get("/services/oauth2/userinfo", token: access)
            #expect(me.json?["user_id"]?.string == record.json?["CreatedById"]?.string)

            _ = try await sf.send(.post, "/_emulator/tokens/\(access)/expire")
            #expect(try await sf.get(Self.describe, token: access).status == .unauthorized)
            let refreshed = try await sf.send(.post, "/services/oauth2/token", form: ["grant_type": "refresh_token", "refresh_token": refresh, "client_id": "cid", "client_secret": "secret"], token: .some(nil))
            #expect(refreshed.json?["instance_url"]?.string == "http://127.0.0.1:9102")
            #expect(refreshed.json?["refresh_token"] == nil)
            let renewed = try #require(refreshed.json?["access_token"]?.string)
            #expect(try await sf.get(Self.describe, token: renewed).status == .ok)

            #expect(try await sf.send(.post, "/services/oauth2/revoke", form: ["token": refresh], token: .some(nil)).status == .ok)
            #expect(try await sf.get(Self.describe, token: renewed).status == .unauthorized)
            let dead = try await sf.send(.post, "/services/oauth2/token", form: ["grant_type": "refresh_token", "refresh_token": refresh, "client_id": "cid", "client_secret": "secret"], token: .some(nil))
            #expect(dead.json?["error"]?.string == "invalid_grant")
            #expect(try await sf.send(.post, "/services/oauth2/revoke", form: ["token": "never-issued"], token: .some(nil)).json?["error"]?.string == "invalid_token")
        }
    }
}
