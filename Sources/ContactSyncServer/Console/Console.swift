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
    let voice: VoiceWebhooks
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
        // Every other page and form: a signed-in operator only, and a page that says why when it fails.
        let guarded = group.group()
            .add(middleware: ConsoleAuthenticator(sessions: sessions) { session in
                renderer.page("problem", page(session, "Refused", ConsoleModel.Problem(
                    heading: "This form has expired", message: "The form's security token did not match. Reload the page and try again.")),
                    status: .forbidden)
            })
            .add(middleware: ConsoleProblems(page: { session, problem, status in renderer.page("problem", page(session, "Problem", problem), status: status) }, logger: logger))
        post(guarded, "logout") { _, _, _, session in
            try await sessions.signOut(session)
            return ConsoleRenderer.redirect("/console/login", cookies: [sessions.expire(ConsoleSessions.cookieName)])
        }
        get(guarded, "") { _, _, session in try await overview(session) }
        addActions(guarded)
        addAccounts(guarded)
        addAgents(guarded)
        addRuns(guarded)
    }

    // MARK: Guarded pages and forms

    /// A page behind ``ConsoleAuthenticator``, handed the operator's session.
    func get(_ group: RouterGroup<AppRequestContext>, _ path: RouterPath, _ handler: @escaping Page) {
        group.get(path) { request, context in try await handler(request, context, try context.signedIn) }
    }

    /// A form post behind ``ConsoleAuthenticator`` (which checked its CSRF token), handed the form and the session.
    func post(_ group: RouterGroup<AppRequestContext>, _ path: RouterPath, _ handler: @escaping Form) {
        group.post(path) { request, context in
            var copy = request
            let form = FormBody(String(buffer: try await copy.collectBody(upTo: context.maxUploadSize)))
            return try await handler(form, request, context, try context.signedIn)
        }
    }

    /// A signed-in page: `content` in the frame with the navigation (`section` marked), the CSRF token and the title.
    func page<Content>(_ session: ConsoleSessions.Session, _ title: String, section: String = "", _ content: Content) -> ConsolePage<Content> {
        let nav = Self.sections.map { ConsoleFrame.Link(href: $0.path, label: $0.label, current: $0.label == section) }
        return ConsolePage(frame: ConsoleFrame(title: title, signedIn: true, csrf: session.csrf, nav: nav), content: content)
    }

    /// The sign-in page's model.
    struct LoginPage {
        let problem: String?
    }

    // MARK: Sign-in

    private func loginPage(_ request: Request, problem: String?) async -> Response {
        if await sessions.session(request) != nil { return ConsoleRenderer.redirect("/console") }
        let login = sessions.loginToken()
        let frame = ConsoleFrame(title: "Sign in", signedIn: false, csrf: login.token, nav: [])
        return renderer.page(
            "login", ConsolePage(frame: frame, content: LoginPage(problem: problem)), status: problem == nil ? .ok : .unauthorized,
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
