import ContactSyncCore
import ContactSyncRuntime
import ContactSyncStore
import Foundation
import Hummingbird

/// Accounts: connect (OAuth, a token or the built-in emulator), health, reconnect, disconnect.
extension Console {
    func addAccounts(_ group: RouterGroup<AppRequestContext>) {
        get(group, "accounts") { request, _, session in
            try await accountsPage(session, notice: request.uri.queryParameters.get("notice").map { String($0) })
        }
        post(group, "accounts/emulator") { form, _, _, session in
            let crm = try Self.crm(form)
            guard let url = emulatorURLs[crm] else {
                throw ServiceError(.unprocessable, "emulator_unavailable", "The built-in emulators are not running (--no-emulators).")
            }
            let account = try await accounts.connect(.emulator(crm: crm, name: form["name"], baseURL: url))
            return ConsoleRenderer.redirect("/console/accounts?notice=" + Self.query("Connected \(account.name)."))
        }
        post(group, "accounts/token") { form, _, _, _ in
            let crm = try Self.crm(form)
            let name = form["name"] ?? "\(Self.crmName(crm)) account"
            guard let token = form["accessToken"] else { throw ServiceError(.unprocessable, "invalid_request", "Paste the access token.") }
            let connection: AccountService.Connection = switch crm {
            case .hubspot: .hubspotToken(name: name, accessToken: token, baseURL: nil)
            case .salesforce:
                .salesforceSession(
                    name: name, instanceURL: form["instanceURL"] ?? "", accessToken: token, refreshToken: nil, clientId: nil, clientSecret: nil, loginURL: nil)
            }
            let account = try await accounts.connect(connection)
            return ConsoleRenderer.redirect("/console/accounts?notice=" + Self.query("Connected \(account.name)."))
        }
        post(group, "accounts/oauth") { form, _, _, _ in
            let crm = try Self.crm(form)
            let url = try await accounts.authorizeURL(
                crm: crm, name: form["name"] ?? "\(Self.crmName(crm)) account", emulator: false, sandbox: form.isOn("sandbox"), loginURL: nil,
                accountId: form["accountId"], settings: oauth)
            return ConsoleRenderer.redirect(url)
        }
        post(group, "accounts/{id}/reconnect") { _, _, context, _ in
            let account = try await accounts.account(id: try context.parameter("id"))
            guard account.emulator, let url = emulatorURLs[account.crm] else {
                let url = try await accounts.authorizeURL(
                    crm: account.crm, name: account.name, emulator: false, sandbox: false, loginURL: nil, accountId: account.id, settings: oauth)
                return ConsoleRenderer.redirect(url)
            }
            let resumed = try await accounts.reconnect(accountId: account.id, .emulator(crm: account.crm, name: account.name, baseURL: url))
            return ConsoleRenderer.redirect("/console/accounts?notice=" + Self.query("Reconnected \(account.name); \(resumed.resumedRuns) waiting runs are due again."))
        }
        post(group, "accounts/{id}/disconnect") { _, _, context, _ in
            try await accounts.delete(accountId: try context.parameter("id"))
            return ConsoleRenderer.redirect("/console/accounts?notice=" + Self.query("Disconnected."))
        }
    }

    private func accountsPage(_ session: ConsoleSessions.Session, notice: String?) async throws -> Response {
        let list = try await allAccounts()
        let actions = try await allActions()
        let rows: [[String: Any]] = list.map { account in
            let using = actions.filter { $0.accountId == account.id }.map(\.name)
            return [
                "id": account.id, "name": account.name, "crm": Self.crmName(account.crm), "emulator": account.emulator,
                "healthy": account.status == .connected, "status": account.status == .connected ? "Connected" : "Reconnect required",
                "usedBy": using.isEmpty ? "No actions" : using.joined(separator: ", "), "since": Self.time(account.createdAt),
            ]
        }
        let broken: [[String: Any]] = list.filter { $0.status == .reconnectRequired }.map { account in
            let using = actions.filter { $0.accountId == account.id }.map(\.name)
            return ["id": account.id, "name": account.name, "actions": using.isEmpty ? "its actions" : using.joined(separator: ", ")]
        }
        return renderer.page("accounts", base(session, "Accounts", section: "Accounts", extra: [
            "accounts": rows, "broken": broken, "notice": notice as Any, "emulators": !emulatorURLs.isEmpty,
            "oauthHubSpot": oauth.client(.hubspot, emulator: false) != nil, "oauthSalesforce": oauth.client(.salesforce, emulator: false) != nil,
        ]))
    }

    static func crm(_ form: FormBody) throws(ServiceError) -> CRM {
        guard let crm = form["crm"].flatMap(CRM.init(rawValue:)) else { throw ServiceError(.unprocessable, "invalid_request", "Choose HubSpot or Salesforce.") }
        return crm
    }

    static func query(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? ""
    }
}
