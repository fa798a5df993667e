import ContactSyncCore
import ContactSyncStore
import Foundation
import Logging
import Hummingbird
import Testing

@Suite("Secrets never shown")
struct SecretsTests {
    @Test("no token appears in any API response or log line after connecting, refreshing and failing")
    func noTokenLeaks() async throws {
        let sink = LogSink()
        try await withServer(logSink: sink) { api in
            // Connect with a static token and with OAuth (which yields access and refresh tokens).
            let staticToken = "test-static-secret-token-0123"
            _ = try await api.call(.post, "/v1/accounts", json: #"{"crm":"hubspot","name":"Static","accessToken":"\#(staticToken)","baseURL":"\#(api.hubspotURL)"}"#)
            let start = try await api.call(.get, "/v1/oauth/salesforce/authorize?name=OAuth&emulator=true")
            let account = try await api.oauthCallback(.salesforce, after: start).answer
            let accountId = try #require(account.string("id"))

            // Expire the issued access token so that the next call renews it.
            let issued = try await api.storedTokens()
            #expect(issued.count >= 4)
            for token in issued { try await api.emulator(api.salesforceURL, .POST, "/_emulator/tokens/\(token)/expire") }
            let fields = try await api.call(.get, "/v1/accounts/\(accountId)/fields")
            #expect(fields.status == .ok)
            let renewed = try await api.storedTokens()
            #expect(Set(renewed) != Set(issued))

            // Fail: a bad token, and a revoked grant.
            _ = try await api.call(.post, "/v1/accounts", json: #"{"crm":"hubspot","name":"Bad","accessToken":"pat-na1-bad-secret-xyz","baseURL":"\#(api.hubspotURL)"}"#)
            _ = try await api.call(.get, "/v1/accounts")

            let secrets = [staticToken, "pat-na1-bad-secret-xyz", "emulator-secret"] + issued + renewed
            let shown = api.bodies.text
            for secret in secrets {
                #expect(!shown.contains(secret), "a response shows \(secret.prefix(6))…")
                #expect(!sink.text.contains(secret), "a log line shows \(secret.prefix(6))…")
            }
            #expect(sink.text.contains("account credentials renewed"))
        }
    }
}
