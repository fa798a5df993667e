import AsyncHTTPClient
@testable import ContactSyncCRM
import ContactSyncTestSupport
import Foundation
import Testing

/// Runs an emulator's OAuth authorization-code flow (with PKCE) and returns the credentials.
enum OAuthDance {
    static func code(_ harness: Harness, authorizeURL: String) async throws -> String {
        try #require(try await EmulatorApproval.approve(authorizeURL)["code"])
    }

    static func hubspot(_ harness: Harness) async throws -> CRMCredentials {
        let verifier = PKCE.verifier()
        let url = HubSpotOAuth.authorizeURL(
            authorizeBase: harness.url, clientId: "client-1", redirectURI: "http://127.0.0.1/cb", scopes: ["oauth"], state: "s",
            codeChallenge: PKCE.challenge(for: verifier))
        let code = try await code(harness, authorizeURL: url)
        let transport = HTTPTransport(client: .shared, timeout: .seconds(30), logger: Harness.quietLogger)
        return try await HubSpotOAuth.exchange(
            code: code, redirectURI: "http://127.0.0.1/cb", clientId: "client-1", clientSecret: "secret", codeVerifier: verifier,
            baseURL: harness.url, transport: transport, now: { Date() })
    }

    static func salesforce(_ harness: Harness) async throws -> CRMCredentials {
        let verifier = PKCE.verifier()
        let url = SalesforceOAuth.authorizeURL(
            loginURL: harness.url, clientId: "client-1", redirectURI: "http://127.0.0.1/cb", state: "s", codeChallenge: PKCE.challenge(for: verifier))
        let code = try await code(harness, authorizeURL: url)
        let transport = HTTPTransport(client: .shared, timeout: .seconds(30), logger: Harness.quietLogger)
        return try await SalesforceOAuth.exchange(
            code: code, redirectURI: "http://127.0.0.1/cb", clientId: "client-1", clientSecret: "secret", codeVerifier: verifier,
            loginURL: harness.url, transport: transport)
    }
}
