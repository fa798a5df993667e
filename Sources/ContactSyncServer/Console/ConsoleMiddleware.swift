import ContactSyncRuntime
import Hummingbird
import Logging

/// The console's authenticator, in the shape of hummingbird-auth's session authenticator: a request with a
/// genuine session cookie goes on with the session in `context.consoleSession`; any other is sent to sign
/// in. A form post must also carry the session's CSRF token, or it is refused with a page saying so.
struct ConsoleAuthenticator: RouterMiddleware {
    typealias Context = AppRequestContext
    let sessions: ConsoleSessions
    /// The page answering a form whose token did not match.
    let expiredForm: @Sendable (ConsoleSessions.Session) -> Response

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let session = await sessions.session(request) else { return ConsoleRenderer.redirect("/console/login") }
        var context = context
        context.consoleSession = session
        var request = request
        if request.method == .post {
            // Collected once here; the handler reads the same buffer.
            let form = FormBody(String(buffer: try await request.collectBody(upTo: context.maxUploadSize)))
            guard ConsoleSessions.verify(form["csrf"], session: session) else { return expiredForm(session) }
        }
        return try await next(request, context)
    }
}

/// Turns what a console page or form throws into a page that says why: a service's refusal with its
/// message and status, anything else as a 500 that names nothing internal (and is logged).
struct ConsoleProblems: RouterMiddleware {
    typealias Context = AppRequestContext
    let page: @Sendable (ConsoleSessions.Session, ConsoleModel.Problem, HTTPResponse.Status) -> Response
    let logger: Logger

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as ServiceError {
            let session = try context.signedIn
            return page(session, ConsoleModel.Problem(heading: "That did not work", message: error.message), error.kind.status)
        } catch {
            let session = try context.signedIn
            logger.log(level: ClientFault.isClientFault(error) ? .debug : .error, "console page failed", metadata: ["error": "\(type(of: error))"])
            return page(session, ConsoleModel.Problem(heading: "Something went wrong", message: "The page could not be shown. Try again."), .internalServerError)
        }
    }
}

extension AppRequestContext {
    /// The operator's session on a console route behind ``ConsoleAuthenticator``.
    var signedIn: ConsoleSessions.Session {
        get throws(ConsoleError) {
            guard let consoleSession else { throw .notSignedIn }
            return consoleSession
        }
    }
}
