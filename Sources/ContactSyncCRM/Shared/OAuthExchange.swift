import AsyncHTTPClient
import Foundation
import Logging

/// Finishes OAuth authorizations: exchanges an authorization code for credentials.
public struct OAuthExchange: Sendable {
    let transport: HTTPTransport

    public init(client: HTTPClient, timeout: Duration = .seconds(30), logger: Logger) {
        self.transport = HTTPTransport(client: client, timeout: timeout, logger: logger)
    }

    /// HubSpot: `apiBaseURL` is `https://api.hubapi.com` or an emulator's URL.
    public func hubspot(
        code: String, redirectURI: String, clientId: String, clientSecret: String, codeVerifier: String?, apiBaseURL: String
    ) async throws(CRMError) -> CRMCredentials {
        try await HubSpotOAuth.exchange(
            code: code, redirectURI: redirectURI, clientId: clientId, clientSecret: clientSecret, codeVerifier: codeVerifier,
            baseURL: apiBaseURL, transport: transport, now: { Date() })
    }

    /// Salesforce: `loginURL` is the login host (production, sandbox, My Domain) or an emulator's URL.
    public func salesforce(
        code: String, redirectURI: String, clientId: String, clientSecret: String?, codeVerifier: String, loginURL: String
    ) async throws(CRMError) -> CRMCredentials {
        try await SalesforceOAuth.exchange(
            code: code, redirectURI: redirectURI, clientId: clientId, clientSecret: clientSecret, codeVerifier: codeVerifier,
            loginURL: loginURL, transport: transport)
    }
}
