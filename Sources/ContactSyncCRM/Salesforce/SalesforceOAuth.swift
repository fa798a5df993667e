import Foundation

/// Salesforce's OAuth 2.0 web server flow with PKCE.
public enum SalesforceOAuth {
    /// The authorize page at `loginURL` (`https://login.salesforce.com`, `https://test.salesforce.com`, a My
    /// Domain, or an emulator).
    public static func authorizeURL(loginURL: String, clientId: String, redirectURI: String, state: String, codeChallenge: String) -> String {
        let query = [
            ("response_type", "code"), ("client_id", clientId), ("redirect_uri", redirectURI), ("state", state),
            ("code_challenge", codeChallenge), ("code_challenge_method", "S256"), ("scope", "api refresh_token id"),
        ]
        return loginURL + "/services/oauth2/authorize?" + query.map { "\($0.0)=\(URLEncoding.component($0.1))" }.joined(separator: "&")
    }

    /// Exchanges an authorization code (with its PKCE verifier) for a session.
    static func exchange(
        code: String, redirectURI: String, clientId: String, clientSecret: String?, codeVerifier: String, loginURL: String,
        transport: HTTPTransport
    ) async throws(CRMError) -> CRMCredentials {
        var form = [
            ("grant_type", "authorization_code"), ("code", code), ("redirect_uri", redirectURI), ("client_id", clientId),
            ("code_verifier", codeVerifier),
        ]
        if let clientSecret { form.append(("client_secret", clientSecret)) }
        let grant = try await tokenRequest(form, loginURL: loginURL, transport: transport)
        return CRMCredentials(
            accessToken: grant.access_token, refreshToken: grant.refresh_token, clientId: clientId, clientSecret: clientSecret,
            instanceURL: grant.instance_url, loginURL: loginURL)
    }

    /// Renews the session; the instance URL is kept when the answer omits it.
    static func refresh(_ current: CRMCredentials, transport: HTTPTransport) async throws(CRMError) -> CRMCredentials {
        guard let refreshToken = current.refreshToken, let clientId = current.clientId else {
            throw CRMError(.reconnectRequired, "No refresh token to renew the Salesforce session.")
        }
        var form = [("grant_type", "refresh_token"), ("refresh_token", refreshToken), ("client_id", clientId)]
        if let secret = current.clientSecret { form.append(("client_secret", secret)) }
        let grant = try await tokenRequest(form, loginURL: current.loginURL ?? current.instanceURL ?? "", transport: transport)
        var renewed = current
        renewed.accessToken = grant.access_token
        renewed.refreshToken = grant.refresh_token ?? refreshToken
        renewed.instanceURL = grant.instance_url ?? current.instanceURL
        return renewed
    }

    /// Revokes a token (revoking the refresh token ends the whole grant; an unknown token counts as revoked).
    static func revoke(token: String, loginURL: String, transport: HTTPTransport) async throws(CRMError) {
        let request = CRMRequest(
            method: .POST, url: loginURL + "/services/oauth2/revoke", route: "POST /services/oauth2/revoke",
            body: URLEncoding.form([("token", token)]), contentType: "application/x-www-form-urlencoded")
        let response = try await transport.send(request, log: nil)
        guard response.status == 200 || response.status == 400 else {
            throw CRMError(.crmRejected, "Salesforce refused to revoke the token (\(response.status)).", status: response.status)
        }
    }

    private static func tokenRequest(_ form: [(String, String)], loginURL: String, transport: HTTPTransport) async throws(CRMError) -> SalesforceWire.TokenGrant {
        let response = try await OAuthTokenEndpoint.post(form, url: loginURL + "/services/oauth2/token", route: "POST /services/oauth2/token", transport: transport)
        guard response.status == 200 else {
            let failure = try? JSONDecoder().decode(SalesforceWire.OAuthError.self, from: response.body)
            throw OAuthTokenEndpoint.refusal(response, error: failure?.error, description: failure?.error_description, crmCode: nil)
        }
        return try response.decode(SalesforceWire.TokenGrant.self)
    }
}
