@testable import CRMEmulators
import HTTPTypes
import Hummingbird
import Foundation
import Testing

@Suite("HubSpot emulator: authentication, OAuth, rate limits")
struct HubSpotAuthTests {
    static let contacts = "/crm/v3/objects/contacts"

    @Test("no token: 401 INVALID_AUTHENTICATION; an unknown token: 401; an expired one: 401 EXPIRED_AUTHENTICATION")
    func authentication() async throws {
        try await withHubSpot { hs in
            let missing = try await hs.get(Self.contacts, token: .some(nil))
            #expect(missing.status == .unauthorized)
            #expect(missing.json?["category"]?.string == "INVALID_AUTHENTICATION")
            #expect(try await hs.get(Self.contacts, token: "pat-na1-unknown").status == .unauthorized)
            #expect(try await hs.get(Self.contacts, token: "test-expiring").status == .ok)
            _ = try await hs.send(.post, "/_emulator/tokens/test-expiring/expire")
            let expired = try await hs.get(Self.contacts, token: "test-expiring")
            #expect(expired.status == .unauthorized)
            #expect(expired.json?["category"]?.string == "EXPIRED_AUTHENTICATION")
            #expect(expired.json?["message"]?.string?.contains("expired") == true)
        }
    }

    @Test("OAuth: authorize approves, the code gives 30-minute tokens, refresh issues a new one, revoke ends the grant")
    func oauthFlow() async throws {
        try await withHubSpot { hs in
            let authorize = try await hs.get("/oauth/authorize?client_id=app-1&redirect_uri=\("http://127.0.0.1:8080/oauth/hubspot/callback".queryEscaped)&scope=oauth%20crm.objects.contacts.write&state=xyz", token: .some(nil))
            #expect(authorize.status == .found)
            let location = try #require(authorize.header("Location").flatMap(URLComponents.init(string:)))
            #expect(location.queryItems?.first { $0.name == "state" }?.value == "xyz")
            let code = try #require(location.queryItems?.first { $0.name == "code" }?.value)
            let exchange = try await hs.send(.post, "/oauth/v3/token", form: [
                "grant_type": "authorization_code", "client_id": "app-1", "client_secret": "s", "code": code,
                "redirect_uri": "http://127.0.0.1:8080/oauth/hubspot/callback",
            ], token: .some(nil))
            #expect(exchange.status == .ok)
            #expect(exchange.json?["expires_in"]?.int == 1800)
            #expect(exchange.json?["hub_id"]?.int == 20_260_001)
            let access = try #require(exchange.json?["access_token"]?.string)
            let refresh = try #require(exchange.json?["refresh_token"]?.string)
            #expect(try await hs.get(Self.contacts, token: access).status == .ok)

            let reuse = try await hs.send(.post, "/oauth/v3/token", form: ["grant_type": "authorization_code", "client_id": "app-1", "client_secret": "s", "code": code], token: .some(nil))
            #expect(reuse.json?["error"]?.string == "invalid_grant")

            let info = try await hs.send(.post, "/oauth/v3/token/introspect", form: ["client_id": "app-1", "client_secret": "s", "token": access], token: .some(nil))
            #expect(info.json?["active"] == true)
            #expect(info.json?["hub_id"]?.int == 20_260_001)
            let appId = try #require(info.json?["app_id"]?.int)
            let created = try await hs.send(.post, Self.contacts, json: ["properties": ["email": "o@example.com"]], token: access)
            #expect(created.json?["properties"]?["hs_object_source_id"]?.string == String(appId))

            _ = try await hs.send(.post, "/_emulator/tokens/\(access)/expire")
            #expect(try await hs.get(Self.contacts, token: access).json?["category"]?.string == "EXPIRED_AUTHENTICATION")
            let refreshed = try await hs.send(.post, "/oauth/v3/token", form: ["grant_type": "refresh_token", "client_id": "app-1", "client_secret": "s", "refresh_token": refresh], token: .some(nil))
            let renewed = try #require(refreshed.json?["access_token"]?.string)
            #expect(renewed != access)
            #expect(try await hs.get(Self.contacts, token: renewed).status == .ok)

            #expect(try await hs.send(.delete, "/oauth/v1/refresh-tokens/\(refresh)", token: .some(nil)).status == .noContent)
            let revoked = try await hs.send(.post, "/oauth/v1/token", form: ["grant_type": "refresh_token", "client_id": "app-1", "client_secret": "s", "refresh_token": refresh], token: .some(nil))
            #expect(revoked.status == .badRequest)
            #expect(revoked.json?["error"]?.string == "invalid_grant")
            #expect(revoked.json?["status"]?.string == "BAD_REFRESH_TOKEN")
            #expect(try await hs.get(Self.contacts, token: renewed).status == .unauthorized)
        }
    }

    @Test("PKCE: a code issued with a challenge needs the matching verifier")
    func pkce() async throws {
        try await withHubSpot { hs in
            let verifier = "a-verifier-of-enough-length-0123456789abcdef"
            let challenge = "rAlM6ohoghgBKGV0SIGATL70vKABdGmI1qDLbm8pqGI"
            func code() async throws -> String {
                let answer = try await hs.get("/oauth/authorize?client_id=c&redirect_uri=http%3A%2F%2Flocalhost%2Fcb&code_challenge=\(challenge)&code_challenge_method=S256", token: .some(nil))
                return try #require(answer.header("Location").flatMap(URLComponents.init(string:))?.queryItems?.first { $0.name == "code" }?.value)
            }
            let wrong = try await hs.send(.post, "/oauth/v3/token", form: ["grant_type": "authorization_code", "client_id": "c", "client_secret": "s", "code": try await code(), "code_verifier": "wrong"], token: .some(nil))
            #expect(wrong.status == .badRequest)
            let right = try await hs.send(.post, "/oauth/v3/token", form: ["grant_type": "authorization_code", "client_id": "c", "client_secret": "s", "code": try await code(), "code_verifier": verifier], token: .some(nil))
            #expect(right.status == .ok)
        }
    }

    @Test("rate limit: headers on every call, 429 TEN_SECONDLY_ROLLING past the limit, per token")
    func burstLimit() async throws {
        let instant = Date()
        try await withHubSpot({ $0.burstLimit = 3; $0.now = { instant } }) { hs in
            for remaining in [2, 1, 0] {
                let answer = try await hs.get(Self.contacts)
                #expect(answer.status == .ok)
                #expect(answer.header("X-HubSpot-RateLimit-Max") == "3")
                #expect(answer.header("X-HubSpot-RateLimit-Remaining") == String(remaining))
                #expect(answer.header("X-HubSpot-RateLimit-Interval-Milliseconds") == "10000")
            }
            let limited = try await hs.get(Self.contacts)
            #expect(limited.status == .tooManyRequests)
            #expect(limited.json?["policyName"]?.string == "TEN_SECONDLY_ROLLING")
            #expect(limited.json?["errorType"]?.string == "RATE_LIMIT")
            #expect(try await hs.get(Self.contacts, token: "test-another-app").status == .ok)
        }
    }

    @Test("the rolling window frees up as it rolls")
    func windowRolls() {
        var window = RollingWindow(limit: 2, window: 10)
        let start = Date(timeIntervalSince1970: 1_000)
        let admitted = [0, 1, 9.9].map { window.admit(at: start.addingTimeInterval($0)) }
        #expect(admitted == [true, true, false])
        let remaining = window.remaining(at: start.addingTimeInterval(9.9))
        #expect(remaining == 0)
        let later = [10.01, 10.5, 11.01].map { window.admit(at: start.addingTimeInterval($0)) }
        #expect(later == [true, false, true])
    }

    @Test("search has its own per-second limit and its responses carry no rate-limit headers")
    func searchLimit() async throws {
        // The clock stands still, so the three searches fall in one second however slowly they are served.
        let instant = Date()
        try await withHubSpot({ $0.searchPerSecond = 2; $0.now = { instant } }) { hs in
            let body: JSON = ["filterGroups": []]
            let first = try await hs.send(.post, Self.contacts + "/search", json: body)
            #expect(first.status == .ok)
            #expect(first.header("X-HubSpot-RateLimit-Max") == nil)
            _ = try await hs.send(.post, Self.contacts + "/search", json: body)
            let limited = try await hs.send(.post, Self.contacts + "/search", json: body)
            #expect(limited.status == .tooManyRequests)
            #expect(limited.json?["message"]?.string == "You have reached your secondly limit.")
        }
    }
}
