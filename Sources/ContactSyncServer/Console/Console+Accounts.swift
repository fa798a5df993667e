import ContactSyncCore
import ContactSyncRuntime
import Foundation
import Hummingbird

/// Accounts: connect (OAuth, a token or the built-in emulator), health, reconnect, disconnect.
extension Console {
    func addAccounts(_ group: RouterGroup<AppRequestContext>) {
        get(group, "accounts") { request, _, session in
            // Only a notice the console chose is shown: the query names it by its code, never its text.
            let notice = request.uri.queryParameters.get("notice").flatMap { AccountNotice(rawValue: String($0)) }
            return try await accountsPage(session, notice: notice, about: request.uri.queryParameters.get("account").map { String($0) })
        }
        post(group, "accounts/emulator") { form, _, _, session in
            let crm = try Self.crm(form)
            guard let url = emulatorURLs[crm] else {
                throw ServiceError(.unprocessable, .emulatorUnavailable, "The built-in emulators are not running (--no-emulators).")
            }
            let account = try await accounts.connect(.emulator(crm: crm, name: form["name"], baseURL: url))
            return AccountNotice.connected.redirect(account: account.id)
        }
        post(group, "accounts/token") { form, _, _, _ in
            let crm = try Self.crm(form)
            let name = form["name"] ?? "\(Self.crmName(crm)) account"
            guard let token = form["accessToken"] else { throw ServiceError(.unprocessable, .invalidRequest, "Paste the access token.") }
            let connection: AccountService.Connection = switch crm {
            case .hubspot: .hubspotToken(name: name, accessToken: token, baseURL: nil)
            case .salesforce:
                .salesforceSession(
                    name: name, instanceURL: form["instanceURL"] ?? "", accessToken: token, refreshToken: nil, clientId: nil, clientSecret: nil, loginURL: nil)
            }
            let account = try await accounts.connect(connection)
            return AccountNotice.connected.redirect(account: account.id)
        }
        post(group, "accounts/oauth") { form, _, _, _ in
            let crm = try Self.crm(form)
            let authorization = try await accounts.authorize(
                crm: crm, name: form["name"] ?? "\(Self.crmName(crm)) account", emulator: false, sandbox: form.isOn("sandbox"), loginURL: nil,
                accountId: form["accountId"], settings: oauth)
            return ConsoleRenderer.redirect(authorization.url, cookies: [OAuthBinding.setCookie(authorization, secure: oauth.isSecure)])
        }
        post(group, "accounts/{id}/reconnect") { _, _, context, _ in
            let account = try await accounts.account(id: try context.parameter("id"))
            guard account.emulator, let url = emulatorURLs[account.crm] else {
                let authorization = try await accounts.authorize(
                    crm: account.crm, name: account.name, emulator: false, sandbox: false, loginURL: nil, accountId: account.id, settings: oauth)
                return ConsoleRenderer.redirect(authorization.url, cookies: [OAuthBinding.setCookie(authorization, secure: oauth.isSecure)])
            }
            _ = try await accounts.reconnect(accountId: account.id, .emulator(crm: account.crm, name: account.name, baseURL: url))
            return AccountNotice.reconnected.redirect(account: account.id)
        }
        post(group, "accounts/{id}/disconnect") { _, _, context, _ in
            try await accounts.delete(accountId: try context.parameter("id"))
            return AccountNotice.disconnected.redirect(account: nil)
        }
    }

    private func accountsPage(_ session: ConsoleSessions.Session, notice: AccountNotice?, about accountId: String?) async throws -> Response {
        let list = try await allAccounts()
        let named = accountId.flatMap { id in list.first { $0.id == id } }
        let actions = try await allActions()
        let rows: [AccountsPage.Account] = list.map { account in
            let using = actions.filter { $0.accountId == account.id }.map(\.name)
            return .init(
                id: account.id, name: account.name, crm: Self.crmName(account.crm), emulator: account.emulator,
                healthy: account.status == .connected, status: account.status == .connected ? "Connected" : "Reconnect required",
                usedBy: using.isEmpty ? "No actions" : using.joined(separator: ", "), since: Self.time(account.createdAt))
        }
        let broken: [AccountsPage.Broken] = list.filter { $0.status == .reconnectRequired }.map { account in
            let using = actions.filter { $0.accountId == account.id }.map(\.name)
            return .init(id: account.id, name: account.name, actions: using.isEmpty ? "its actions" : using.joined(separator: ", "))
        }
        return renderer.page("accounts", page(session, "Accounts", section: "Accounts", AccountsPage(
            accounts: rows, broken: broken, notice: notice.map { $0.text(account: named?.name) }, emulators: !emulatorURLs.isEmpty,
            oauthHubSpot: oauth.client(.hubspot, emulator: false) != nil, oauthSalesforce: oauth.client(.salesforce, emulator: false) != nil)))
    }

    struct AccountsPage {
        struct Account {
            let id: String, name: String, crm: String
            let emulator: Bool, healthy: Bool
            let status: String, usedBy: String, since: String
        }
        /// An account that needs reconnecting, and the actions waiting on it.
        struct Broken { let id: String, name: String, actions: String }
        let accounts: [Account]
        let broken: [Broken]
        let notice: String?
        let emulators: Bool, oauthHubSpot: Bool, oauthSalesforce: Bool
    }

    static func crm(_ form: FormBody) throws(ServiceError) -> CRM {
        guard let crm = form["crm"].flatMap(CRM.init(rawValue:)) else { throw ServiceError(.unprocessable, .invalidRequest, "Choose HubSpot or Salesforce.") }
        return crm
    }
}

/// The notices the accounts page shows after a change, named in its URL by code (`?notice=connected`), with
/// the account by id: a link can make the page show only these sentences, never text of its own.
enum AccountNotice: String, CaseIterable {
    case connected, reconnected, disconnected

    /// The sentence shown, naming the account when it is known.
    func text(account name: String?) -> String {
        switch self {
        case .connected: "Connected \(name ?? "the account")."
        case .reconnected: "Reconnected \(name ?? "the account"); its waiting runs are due again."
        case .disconnected: "Disconnected."
        }
    }

    /// Back to the accounts page with this notice.
    func redirect(account id: String?) -> Response {
        ConsoleRenderer.redirect("/console/accounts?notice=\(rawValue)" + (id.map { "&account=" + ($0.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "") } ?? ""))
    }
}
