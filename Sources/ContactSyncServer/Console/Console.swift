import ContactSyncCore
import ContactSyncRuntime
import Foundation
import Hummingbird
import Logging

/// The operator console at `/console` (ARCHITECTURE §8): server-rendered pages over the same Runtime
/// services as the REST API, signed in with the admin key.
struct Console: Sendable {
    let renderer: ConsoleRenderer
    let sessions: ConsoleSessions
    let configuration: ConfigurationService
    let accounts: AccountService
    let conversations: ConversationService
    let engine: RunEngine
    let activity: ActivityService
    let oauth: OAuthSettings
    let emulatorURLs: [CRM: String]
    let publicURL: String
    let now: @Sendable () -> Date
    let logger: Logger
    /// Slows a client that keeps offering wrong keys at sign-in.
    let failures: FailedAuthentications

    typealias Page = @Sendable (Request, AppRequestContext, ConsoleSessions.Session) async throws -> Response
    typealias Form = @Sendable (FormBody, Request, AppRequestContext, ConsoleSessions.Session) async throws -> Response

    static let sections: [(path: String, label: String)] = [
        ("/console", "Overview"), ("/console/actions", "Action Library"), ("/console/accounts", "Accounts"), ("/console/agents", "Agents"),
        ("/console/agent-fields", "Agent fields"), ("/console/conversations", "Conversations"), ("/console/runs", "Runs"),
    ]

    func add(to router: Router<AppRequestContext>) {
        let group = router.group("console")
        group.get("assets/console.css") { _, _ in renderer.asset(renderer.stylesheet, type: "text/css; charset=utf-8") }
        group.get("assets/htmx.min.js") { _, _ in renderer.asset(renderer.script, type: "text/javascript; charset=utf-8") }
        group.get("login") { request, _ in await loginPage(request, problem: nil) }
        group.post("login") { request, context in try await login(request, context) }
        post(group, "logout") { _, _, _, session in
            try await sessions.signOut(session)
            return ConsoleRenderer.redirect("/console/login", cookies: [sessions.expire(ConsoleSessions.cookieName)])
        }
        get(group, "") { _, _, session in try await overview(session) }
        addActions(group)
        addAccounts(group)
        addAgents(group)
        addRuns(group)
    }

    // MARK: Guarded pages and forms

    /// A page for a signed-in operator; others are sent to sign in.
    func get(_ group: RouterGroup<AppRequestContext>, _ path: RouterPath, _ handler: @escaping Page) {
        group.get(path) { request, context in
            guard let session = await sessions.session(request) else { return ConsoleRenderer.redirect("/console/login") }
            return await answer(session) { try await handler(request, context, session) }
        }
    }

    /// A form post of a signed-in operator with the session's CSRF token; anything else is refused.
    func post(_ group: RouterGroup<AppRequestContext>, _ path: RouterPath, _ handler: @escaping Form) {
        group.post(path) { request, context in
            guard let session = await sessions.session(request) else { return ConsoleRenderer.redirect("/console/login") }
            var copy = request
            let buffer = try await copy.collectBody(upTo: context.maxUploadSize)
            let form = FormBody(String(buffer: buffer))
            guard ConsoleSessions.verify(form["csrf"], session: session) else {
                return renderer.page("problem", base(session, "Refused", extra: [
                    "heading": "This form has expired", "message": "The form's security token did not match. Reload the page and try again.",
                ]), status: .forbidden)
            }
            return await answer(session) { try await handler(form, request, context, session) }
        }
    }

    /// Turns a service's refusal into a page that says why.
    private func answer(_ session: ConsoleSessions.Session, _ body: () async throws -> Response) async -> Response {
        do {
            return try await body()
        } catch let error as ServiceError {
            return renderer.page(
                "problem", base(session, "Problem", extra: ["heading": "That did not work", "message": error.message]), status: error.kind.status)
        } catch {
            logger.log(level: ClientFault.isClientFault(error) ? .debug : .error, "console page failed", metadata: ["error": "\(type(of: error))"])
            return renderer.page("problem", base(session, "Problem", extra: [
                "heading": "Something went wrong", "message": "The page could not be shown. Try again.",
            ]), status: .internalServerError)
        }
    }

    /// What every signed-in page shows: navigation, the CSRF token, the title.
    func base(_ session: ConsoleSessions.Session, _ title: String, section: String = "", extra: [String: Any] = [:]) -> [String: Any] {
        var context: [String: Any] = [
            "title": title, "signedIn": true, "csrf": session.csrf,
            "nav": Self.sections.map { ["href": $0.path, "label": $0.label, "current": $0.label == section] },
        ]
        context.merge(extra) { _, new in new }
        return context
    }

    // MARK: Sign-in

    private func loginPage(_ request: Request, problem: String?) async -> Response {
        if await sessions.session(request) != nil { return ConsoleRenderer.redirect("/console") }
        let login = sessions.loginToken()
        return renderer.page(
            "login", ["title": "Sign in", "csrf": login.token, "problem": problem as Any], status: problem == nil ? .ok : .unauthorized,
            cookies: [login.setCookie])
    }

    private func login(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        var copy = request
        // Nobody is signed in yet: the body is bounded before it is buffered (the form needs a few hundred bytes).
        let form = FormBody(String(buffer: try await copy.collectBody(upTo: Self.signInFormBytes)))
        guard let cookie = request.cookies[ConsoleSessions.loginCookieName]?.value, ConsoleSessions.constantTimeEqual(form["csrf"] ?? "", cookie) else {
            return await loginPage(request, problem: "The sign-in form expired. Try again.")
        }
        guard let key = form["apiKey"], (try? await sessions.access.isAdminKey(key)) == true else {
            await failures.failed(address: context.remoteAddress, path: request.uri.path)
            return await loginPage(request, problem: "That API key is not valid.")
        }
        let setCookie = try sessions.open(apiKey: key)
        return ConsoleRenderer.redirect("/console", cookies: [setCookie, sessions.expire(ConsoleSessions.loginCookieName)])
    }

    /// The most a sign-in form may hold.
    static let signInFormBytes = 4_096

    // MARK: Shared reads

    /// Every configured action, all pages of them.
    func allActions() async throws -> [Action] {
        var actions: [Action] = []
        var cursor: String?
        repeat {
            let page = try await configuration.actions(limit: 500, cursor: cursor)
            actions += page.items.map(\.action)
            cursor = page.nextCursor
        } while cursor != nil
        return actions
    }

    /// Every connected account, all pages of them.
    func allAccounts() async throws -> [AccountRecord] {
        var list: [AccountRecord] = []
        var cursor: String?
        repeat {
            let page = try await accounts.page(limit: 500, cursor: cursor)
            list += page.items
            cursor = page.nextCursor
        } while cursor != nil
        return list
    }

    /// Action names by id.
    static func names(_ actions: [Action]) -> [String: String] {
        Dictionary(uniqueKeysWithValues: actions.map { ($0.id, $0.name) })
    }

    // MARK: Shared shapes

    /// Time in the console's words: UTC, to the second.
    static func time(_ date: Date?) -> String {
        guard let date else { return "—" }
        return date.formatted(.iso8601.year().month().day().dateSeparator(.dash).time(includingFractionalSeconds: false).timeSeparator(.colon))
            .replacingOccurrences(of: "T", with: " ") + " UTC"
    }

    static func crmName(_ crm: CRM) -> String { crm == .hubspot ? "HubSpot" : "Salesforce" }
}
