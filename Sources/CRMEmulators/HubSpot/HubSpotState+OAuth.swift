import Foundation

extension HubSpotState {
    static func oauthError(_ error: String, _ description: String, status: String) -> Reply {
        Reply(.badRequest, [
            "error": .string(error), "error_description": .string(description), "status": .string(status),
            "message": .string(description), "correlationId": .string(UUID().uuidString.lowercased()),
        ])
    }

    /// `GET /oauth/authorize`: approves at once and returns where to redirect.
    func authorize(_ query: [String: String]) -> Result<String, Reply> {
        let scopes = (query["scope"] ?? "").split(separator: " ").map(String.init)
        if let allowed = configuration.redirectURIs, !allowed.contains(query["redirect_uri"] ?? "") {
            return .failure(Self.oauthError("invalid_request", "redirect_uri is not one of the app's redirect URLs", status: "BAD_REDIRECT_URI"))
        }
        guard let clientId = query["client_id"], !clientId.isEmpty, let redirect = query["redirect_uri"],
            let location = tokens.approve(
                clientId: clientId, redirectURI: redirect, scopes: scopes, codeChallenge: query["code_challenge"],
                state: query["state"], now: Date())
        else {
            return .failure(Self.oauthError("invalid_request", "client_id and redirect_uri are required", status: "BAD_REQUEST"))
        }
        return .success(location)
    }

    /// `POST /oauth/v1/token` and `/oauth/v3/token`.
    func token(_ form: [String: String]) -> Reply {
        guard let clientId = form["client_id"], !clientId.isEmpty, !(form["client_secret"] ?? "").isEmpty else {
            return Self.oauthError("invalid_client", "missing or unknown client id or secret", status: "BAD_CLIENT_ID")
        }
        if let expected = configuration.clientSecrets[clientId], expected != form["client_secret"] {
            return Self.oauthError("invalid_client", "missing or unknown client id or secret", status: "BAD_CLIENT_ID")
        }
        let result: Result<TokenBook.Issued, TokenBook.Failure>
        let failureStatus: String
        switch form["grant_type"] {
        case "authorization_code":
            result = tokens.redeem(
                code: form["code"] ?? "", clientId: clientId, redirectURI: form["redirect_uri"], verifier: form["code_verifier"],
                now: Date())
            failureStatus = "BAD_AUTH_CODE"
        case "refresh_token":
            result = tokens.refresh(form["refresh_token"] ?? "", clientId: clientId, now: Date())
            failureStatus = "BAD_REFRESH_TOKEN"
        default:
            return Self.oauthError("unsupported_grant_type", "grant_type must be authorization_code or refresh_token", status: "BAD_GRANT_TYPE")
        }
        switch result {
        case .failure(.invalidGrant(let message)): return Self.oauthError("invalid_grant", message, status: failureStatus)
        case .failure(.invalidRequest(let message)): return Self.oauthError("invalid_request", message, status: failureStatus)
        case .success(let issued):
            return Reply(.ok, [
                "token_type": "bearer", "access_token": .string(issued.accessToken),
                "refresh_token": issued.refreshToken.map(JSON.string) ?? .null, "expires_in": .int(issued.expiresIn ?? 1800),
                "hub_id": .int(configuration.portalId), "scopes": .array(issued.scopes.map(JSON.string)),
                "token_use": "access_token",
            ])
        }
    }

    /// Token metadata, shared by v3 introspection and the v1 access-token endpoint.
    func tokenInfo(_ token: String) -> JSON? {
        guard case .valid(let subject) = tokens.check(token, now: Date()) else { return nil }
        let appId = appId(for: subject)
        return [
            "active": true, "token": .string(token), "token_type": "access", "token_use": "access_token",
            "hub_id": .int(configuration.portalId), "app_id": .int(appId), "user_id": .int(appId % 100_000_000),
            "client_id": .string(tokens.clientId(of: token) ?? subject.key), "hub_domain": "emulated-hubspot.example",
            "scopes": .array(
                (tokens.scopes(of: token).isEmpty ? ["oauth", "crm.objects.contacts.read", "crm.objects.contacts.write"] : tokens.scopes(of: token))
                    .map(JSON.string)),
            "expires_in": .int(tokens.expiresIn(token, now: Date()) ?? 1800), "is_private_distribution": false,
            "user": "emulator@hubspot.example",
        ]
    }

    func introspect(_ form: [String: String]) -> Reply {
        Reply(.ok, tokenInfo(form["token"] ?? "") ?? ["active": false])
    }

    func accessTokenMetadata(_ token: String) -> Reply {
        guard let info = tokenInfo(token) else { return HubSpotError.notFound() }
        return Reply(.ok, info)
    }

    func revoke(_ token: String) -> Reply {
        guard tokens.knows(token) else { return HubSpotError.notFound() }
        tokens.revoke(token)
        return Reply(.noContent)
    }
}
