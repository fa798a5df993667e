import ContactSyncCore
import ContactSyncRuntime
import Hummingbird

/// Accounts, their fields, and OAuth.
struct AccountRoutes {
    let accounts: AccountService
    let oauth: OAuthSettings
    let emulatorURLs: [CRM: String]

    func add(to v1: RouterGroup<AppRequestContext>, root: Router<AppRequestContext>) {
        v1.post("accounts") { request, context in
            let body = try await request.decodeJSON(as: AccountBody.self, context: context)
            return created(AccountView(try await accounts.connect(try connection(body))))
        }
        v1.get("accounts") { request, _ in
            let (limit, cursor) = try request.pagination()
            let page = try await accounts.page(limit: limit, cursor: cursor)
            return ListView(items: page.items.map(AccountView.init), nextCursor: page.nextCursor)
        }
        v1.get("accounts/{id}") { _, context in
            AccountView(try await accounts.account(id: try context.parameter("id")))
        }
        v1.delete("accounts/{id}") { _, context in
            try await accounts.delete(accountId: try context.parameter("id"))
            return Response(status: .noContent)
        }
        v1.post("accounts/{id}/reconnect") { request, context in
            let id = try context.parameter("id")
            let body = try await request.decodeJSON(as: AccountBody.self, context: context)
            let (account, resumed) = try await accounts.reconnect(accountId: id, try connection(body, named: true))
            return ReconnectView(account: AccountView(account), resumedRuns: resumed)
        }
        v1.get("accounts/{id}/fields") { _, context in
            let id = try context.parameter("id")
            let account = try await accounts.account(id: id)
            let fields = try await accounts.fields(accountId: id)
            return ListView(items: fields.map { CRMFieldView(field: $0, crm: account.crm) }, nextCursor: nil)
        }
        v1.get("oauth/{crm}/authorize") { request, context in
            let crm = try crm(context)
            let name = request.uri.queryParameters.get("name") ?? "\(crm.rawValue) account"
            let flag = { (key: String) in ["1", "true", "yes"].contains(request.uri.queryParameters.get(key)?.lowercased() ?? "") }
            let loginURL = request.uri.queryParameters.get("loginURL")
            let authorization = try await accounts.authorize(
                crm: crm, name: name, emulator: flag("emulator"), sandbox: flag("sandbox"), loginURL: loginURL,
                accountId: request.uri.queryParameters.get("accountId"), settings: oauth)
            return OAuthBinding.redirect(authorization, secure: oauth.isSecure)
        }
        root.get("oauth/{crm}/callback") { request, context in
            let crm = try crm(context)
            if let denied = request.uri.queryParameters.get("error") {
                throw APIError(status: .badRequest, code: .authorizationDenied, message: "The CRM did not authorize: \(denied).")
            }
            guard let code = request.uri.queryParameters.get("code"), let state = request.uri.queryParameters.get("state") else {
                throw APIError.invalidRequest("code and state are required.")
            }
            let finished = try await accounts.finishAuthorization(
                crm: crm, code: code, state: state, binding: OAuthBinding.binding(request, state: state), settings: oauth)
            return EditedResponse(
                status: finished.reconnected ? .ok : .created, headers: [.setCookie: OAuthBinding.expire(state: state, secure: oauth.isSecure)],
                response: AccountView(finished.account))
        }
    }

    private func crm(_ context: AppRequestContext) throws -> CRM {
        guard let crm = CRM(rawValue: try context.parameter("crm")) else { throw APIError.notFound("No such CRM: use hubspot or salesforce.") }
        return crm
    }

    /// The connection a body asks for, checked for the fields each kind needs.
    private func connection(_ body: AccountBody, named: Bool = false) throws -> AccountService.Connection {
        if body.emulator == true {
            guard let url = emulatorURLs[body.crm] else {
                throw APIError(status: .unprocessableContent, code: .emulatorUnavailable, message: "The built-in emulators are not running (--no-emulators).")
            }
            return .emulator(crm: body.crm, name: body.name?.trimmed, baseURL: url)
        }
        let name = body.name?.trimmed ?? ""
        guard named || !name.isEmpty else { throw APIError.invalidRequest("name is required.") }
        guard let token = body.accessToken, !token.isBlank else { throw APIError.invalidRequest("accessToken is required.") }
        switch body.crm {
        case .hubspot:
            if let url = body.baseURL { try Self.checkURL(url, field: "baseURL") }
            return .hubspotToken(name: name, accessToken: token, baseURL: body.baseURL)
        case .salesforce:
            guard let instance = body.instanceURL ?? body.baseURL else { throw APIError.invalidRequest("instanceURL is required for salesforce.") }
            try Self.checkURL(instance, field: "instanceURL")
            if let login = body.loginURL { try Self.checkURL(login, field: "loginURL") }
            return .salesforceSession(
                name: name, instanceURL: instance, accessToken: token, refreshToken: body.refreshToken, clientId: body.clientId,
                clientSecret: body.clientSecret, loginURL: body.loginURL)
        }
    }

    static func checkURL(_ text: String, field: String) throws {
        guard let url = URLComponentsLite(text), ["http", "https"].contains(url.scheme), !url.host.isEmpty else {
            throw APIError.invalidRequest("\(field) must be an http(s) URL.")
        }
    }
}

/// `POST /v1/accounts/{id}/reconnect`: the account, and how many waiting runs are due again.
struct ReconnectView: ResponseEncodable, Sendable {
    let account: AccountView
    let resumedRuns: Int
}

/// Scheme and host of a URL, without Foundation's leniency.
struct URLComponentsLite {
    let scheme: String
    let host: String

    init?(_ text: String) {
        guard let range = text.range(of: "://") else { return nil }
        scheme = text[..<range.lowerBound].lowercased()
        host = String(text[range.upperBound...].prefix { $0 != "/" && $0 != "?" && $0 != "#" })
        if text.contains(where: { $0.isWhitespace }) { return nil }
    }
}
