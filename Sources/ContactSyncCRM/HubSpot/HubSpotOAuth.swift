import Crypto
import Foundation

/// HubSpot's OAuth 2.0 authorization-code flow.
public enum HubSpotOAuth {
    /// The page that asks the user to install the app. `authorizeBase` is `https://app.hubspot.com` (or an
    /// emulator's URL).
    public static func authorizeURL(
        authorizeBase: String, clientId: String, redirectURI: String, scopes: [String], state: String, codeChallenge: String?
    ) -> String {
        var query = [
            ("client_id", clientId), ("redirect_uri", redirectURI), ("scope", scopes.joined(separator: " ")), ("state", state),
        ]
        if let codeChallenge { query += [("code_challenge", codeChallenge), ("code_challenge_method", "S256")] }
        return authorizeBase + "/oauth/authorize?" + query.map { "\($0.0)=\(URLEncoding.component($0.1))" }.joined(separator: "&")
    }

    /// Exchanges an authorization code for tokens.
    static func exchange(
        code: String, redirectURI: String, clientId: String, clientSecret: String, codeVerifier: String?, baseURL: String,
        transport: HTTPTransport, now: @Sendable () -> Date
    ) async throws(CRMError) -> CRMCredentials {
        var form = [
            ("grant_type", "authorization_code"), ("code", code), ("redirect_uri", redirectURI), ("client_id", clientId),
            ("client_secret", clientSecret),
        ]
        if let codeVerifier { form.append(("code_verifier", codeVerifier)) }
        let grant = try await tokenRequest(form, baseURL: baseURL, transport: transport)
        return CRMCredentials(
            accessToken: grant.access_token, refreshToken: grant.refresh_token,
            expiresAt: now().addingTimeInterval(TimeInterval(grant.expires_in ?? 1800)), clientId: clientId, clientSecret: clientSecret)
    }

    /// Renews an access token; an invalid grant means the account must be connected again.
    static func refresh(_ current: CRMCredentials, baseURL: String, transport: HTTPTransport, now: @Sendable () -> Date)
        async throws(CRMError) -> CRMCredentials
    {
        guard let refreshToken = current.refreshToken, let clientId = current.clientId else {
            throw CRMError(.reconnectRequired, "No refresh token to renew the HubSpot access token.")
        }
        let grant = try await tokenRequest(
            [("grant_type", "refresh_token"), ("refresh_token", refreshToken), ("client_id", clientId), ("client_secret", current.clientSecret ?? "")],
            baseURL: baseURL, transport: transport)
        var renewed = current
        renewed.accessToken = grant.access_token
        renewed.refreshToken = grant.refresh_token ?? refreshToken
        renewed.expiresAt = now().addingTimeInterval(TimeInterval(grant.expires_in ?? 1800))
        return renewed
    }

    /// Revokes a refresh token, ending the grant (a token already unknown counts as revoked).
    static func revoke(refreshToken: String, baseURL: String, transport: HTTPTransport) async throws(CRMError) {
        let response = try await transport.send(
            CRMRequest(method: .DELETE, url: baseURL + "/oauth/v1/refresh-tokens/\(URLEncoding.component(refreshToken))", route: "DELETE /oauth/v1/refresh-tokens/{token}"),
            log: nil)
        guard (200..<300).contains(response.status) || response.status == 404 else {
            throw CRMError(.crmRejected, "HubSpot refused to revoke the token (\(response.status)).", status: response.status)
        }
    }

    private static func tokenRequest(_ form: [(String, String)], baseURL: String, transport: HTTPTransport) async throws(CRMError) -> HubSpotWire.TokenGrant {
        let response = try await OAuthTokenEndpoint.post(form, url: baseURL + "/oauth/v3/token", route: "POST /oauth/v3/token", transport: transport)
        guard response.status == 200 else {
            let failure = try? JSONDecoder().decode(HubSpotWire.OAuthError.self, from: response.body)
            throw OAuthTokenEndpoint.refusal(response, error: failure?.error, description: failure?.error_description ?? failure?.message, crmCode: failure?.status)
        }
        return try response.decode(HubSpotWire.TokenGrant.self)
    }
}

/// PKCE verifier and S256 challenge.
public enum PKCE {
    /// A fresh verifier (43 URL-safe characters).
    public static func verifier() -> String {
        var generator = SystemRandomNumberGenerator()
        return base64URL(Data((0..<32).map { _ in UInt8.random(in: 0...255, using: &generator) }))
    }

    /// base64url(SHA-256(verifier)).
    public static func challenge(for verifier: String) -> String {
        base64URL(Data(SHA256.hash(data: Data(verifier.utf8))))
    }

    static func base64URL(_ data: Data) -> String {
        data.base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }
}
