import Crypto
import Foundation

extension SalesforceState {
    static func oauthError(_ error: String, _ description: String) -> Reply {
        Reply(.badRequest, ["error": .string(error), "error_description": .string(description)])
    }

    /// `GET /services/oauth2/authorize`: approves at once and returns where to redirect.
    func authorize(_ query: [String: String]) -> Result<String, Reply> {
        guard query["response_type"] == "code" else {
            return .failure(Self.oauthError("unsupported_response_type", "response type not supported"))
        }
        let scopes = (query["scope"] ?? "api refresh_token id").split(separator: " ").map(String.init)
        if let allowed = configuration.redirectURIs, !allowed.contains(query["redirect_uri"] ?? "") {
            return .failure(Self.oauthError("redirect_uri_mismatch", "redirect_uri must match configuration"))
        }
        guard let clientId = query["client_id"], !clientId.isEmpty, let redirect = query["redirect_uri"],
            let location = tokens.approve(
                clientId: clientId, redirectURI: redirect, scopes: scopes, codeChallenge: query["code_challenge"],
                state: query["state"], now: Date())
        else {
            return .failure(Self.oauthError("invalid_client_id", "client identifier invalid"))
        }
        return .success(location)
    }

    /// `POST /services/oauth2/token`: authorization code (with PKCE) or refresh token.
    func token(_ form: [String: String], baseURL: String) -> Reply {
        let clientId = form["client_id"] ?? ""
        if let expected = configuration.clientSecrets[clientId], expected != form["client_secret"] {
            return Self.oauthError("invalid_client", "invalid client credentials")
        }
        let result: Result<TokenBook.Issued, TokenBook.Failure>
        switch form["grant_type"] {
        case "authorization_code":
            result = tokens.redeem(
                code: form["code"] ?? "", clientId: clientId.isEmpty ? nil : clientId, redirectURI: form["redirect_uri"],
                verifier: form["code_verifier"], now: Date())
        case "refresh_token":
            result = tokens.refresh(form["refresh_token"] ?? "", clientId: clientId.isEmpty ? nil : clientId, now: Date())
        default:
            return Self.oauthError("unsupported_grant_type", "grant type not supported")
        }
        switch result {
        case .failure(.invalidGrant(let message)):
            return Self.oauthError("invalid_grant", message.contains("refresh") ? "expired access/refresh token" : "authentication failure")
        case .failure(.invalidRequest(let message)):
            return Self.oauthError("invalid_request", message)
        case .success(let issued):
            let identity = "\(baseURL)/id/\(orgId)/\(userId(for: issued.subject))"
            let issuedAt = String(Int(Date().timeIntervalSince1970 * 1000))
            let key = SymmetricKey(data: Data((form["client_secret"] ?? "").utf8))
            let signature = Data(HMAC<SHA256>.authenticationCode(for: Data((identity + issuedAt).utf8), using: key)).base64EncodedString()
            var body: [String: JSON] = [
                "access_token": .string(issued.accessToken), "signature": .string(signature),
                "scope": .string(issued.scopes.joined(separator: " ")), "instance_url": .string(baseURL), "id": .string(identity),
                "token_type": "Bearer", "issued_at": .string(issuedAt),
            ]
            if form["grant_type"] == "authorization_code", let refresh = issued.refreshToken { body["refresh_token"] = .string(refresh) }
            return Reply(.ok, .object(body))
        }
    }

    /// `POST /services/oauth2/revoke`.
    func revoke(_ token: String) -> Reply {
        guard tokens.knows(token) else { return Self.oauthError("invalid_token", "invalid token") }
        tokens.revoke(token)
        return Reply(.ok)
    }

    /// The identity of the caller (`/id/{org}/{user}` and `/services/oauth2/userinfo`).
    func identity(_ caller: SalesforceCaller, baseURL: String) -> Reply {
        Reply(.ok, [
            "id": .string("\(baseURL)/id/\(orgId)/\(caller.userId)"), "user_id": .string(caller.userId),
            "organization_id": .string(orgId), "sub": .string("\(baseURL)/id/\(orgId)/\(caller.userId)"),
            "username": .string("integration+\(caller.userId.suffix(6))@emulated-salesforce.example"),
            "display_name": "Integration User", "active": true, "user_type": "STANDARD",
            "urls": ["rest": .string("\(baseURL)/services/data/v{version}/"), "sobjects": .string("\(baseURL)/services/data/v{version}/sobjects/")],
        ])
    }
}
