import ContactSyncRuntime
import HTTPTypes
import Hummingbird

/// Binds an OAuth authorization to the browser that started it (RFC 6749 §10.12): the start sets a cookie
/// named after the state, holding a random binding; the callback must bring it back, so a state sent to
/// someone else's browser (a forged callback) is refused. `SameSite=Lax` lets the cookie ride the CRM's
/// top-level redirect back; the path keeps it to the callbacks.
enum OAuthBinding {
    static let lifetime = Int(AccountService.authorizationLifetime)

    static func cookieName(state: String) -> String { "cs_oauth_\(state)" }

    /// The `Set-Cookie` that starts an authorization in this browser.
    static func setCookie(_ authorization: AccountService.Authorization, secure: Bool) -> String {
        "\(cookieName(state: authorization.state))=\(authorization.binding); Path=/oauth; Max-Age=\(lifetime); HttpOnly; SameSite=Lax\(secure ? "; Secure" : "")"
    }

    /// The `Set-Cookie` that forgets a finished authorization's binding.
    static func expire(state: String, secure: Bool) -> String {
        "\(cookieName(state: state))=; Path=/oauth; Max-Age=0; HttpOnly; SameSite=Lax\(secure ? "; Secure" : "")"
    }

    /// The binding the request brings for `state`, if any.
    static func binding(_ request: Request, state: String) -> String? {
        request.cookies[cookieName(state: state)]?.value
    }

    /// A 302 to the CRM that also sets the binding.
    static func redirect(_ authorization: AccountService.Authorization, secure: Bool) -> Response {
        var response = Response.redirect(to: authorization.url, type: .found)
        response.headers.append(HTTPField(name: .setCookie, value: setCookie(authorization, secure: secure)))
        return response
    }
}
