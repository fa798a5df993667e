import ContactSyncCore
import ContactSyncRuntime
import Crypto
import Foundation
import Hummingbird

/// Console sign-in: the admin API key becomes a sealed session cookie (HttpOnly, SameSite=Strict, Secure
/// behind https). The cookie names the key it was opened with, so a rotated key ends its sessions. Every
/// form carries a CSRF token derived from the session; the sign-in form one from a cookie of its own.
/// Signing out is remembered by the server, so a copy of the cookie is of no use afterwards.
struct ConsoleSessions: Sendable {
    static let cookieName = "cs_session"
    static let loginCookieName = "cs_login"
    static let lifetime: TimeInterval = 12 * 3600

    let secrets: SecretBox
    /// Checks the admin key a session names, and remembers sign-outs.
    let access: AccessService
    /// Cookies get `Secure` when the console is served over https.
    let secure: Bool
    let now: @Sendable () -> Date

    /// An open session: its cookie value, when it expires, and the CSRF token its forms carry.
    struct Session: Sendable {
        let cookie: String
        let expiry: Date
        var csrf: String { ConsoleSessions.token(for: cookie) }
        /// How sign-outs name the session (never the cookie itself).
        var digest: String { Digests.sha256("session|" + cookie) }
    }

    /// The `Set-Cookie` of a new session for an admin key that was checked.
    func open(apiKey: String) throws -> String {
        let payload = "v1|\(Int(now().addingTimeInterval(Self.lifetime).timeIntervalSince1970))|\(access.keyDigest(apiKey))"
        return setCookie(Self.cookieName, Self.base64URL(try secrets.seal(Data(payload.utf8))), maxAge: Int(Self.lifetime))
    }

    /// The request's session, if its cookie is genuine, unexpired, not signed out and its key still valid.
    func session(_ request: Request) async -> Session? {
        guard let cookie = request.cookies[Self.cookieName]?.value, let sealed = Self.data(base64URL: cookie),
              let opened = try? secrets.open(sealed), let payload = String(data: opened, encoding: .utf8)
        else { return nil }
        let parts = payload.split(separator: "|").map(String.init)
        guard parts.count == 3, parts[0] == "v1", let expiry = Int(parts[1]), Double(expiry) > now().timeIntervalSince1970,
              (try? await access.isAdminKey(digest: parts[2])) == true
        else { return nil }
        let session = Session(cookie: cookie, expiry: Date(timeIntervalSince1970: Double(expiry)))
        guard (try? await access.isSignedOut(sessionDigest: session.digest)) == false else { return nil }
        return session
    }

    /// Ends `session` for good: the server refuses its cookie from now on.
    func signOut(_ session: Session) async throws {
        try await access.signOut(sessionDigest: session.digest, expiresAt: session.expiry)
    }

    /// Whether a submitted token is the session's.
    static func verify(_ submitted: String?, session: Session) -> Bool {
        guard let submitted else { return false }
        return constantTimeEqual(submitted, session.csrf)
    }

    /// A fresh sign-in token, and the cookie that must come back with it.
    func loginToken() -> (token: String, setCookie: String) {
        let token = Self.base64URL(SymmetricKey(size: .bits256).withUnsafeBytes { Data($0) })
        return (token, setCookie(Self.loginCookieName, token, maxAge: 3600))
    }

    func expire(_ name: String) -> String { setCookie(name, "", maxAge: 0) }

    private func setCookie(_ name: String, _ value: String, maxAge: Int) -> String {
        "\(name)=\(value); Path=/console; Max-Age=\(maxAge); HttpOnly; SameSite=Strict\(secure ? "; Secure" : "")"
    }

    static func token(for cookie: String) -> String {
        base64URL(Data(SHA256.hash(data: Data(("csrf|" + cookie).utf8))))
    }

    static func constantTimeEqual(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8), y = Array(b.utf8)
        guard x.count == y.count else { return false }
        return zip(x, y).reduce(0) { $0 | ($1.0 ^ $1.1) } == 0
    }

    static func base64URL(_ data: Data) -> String {
        data.base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }

    static func data(base64URL text: String) -> Data? {
        var base64 = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        base64 += String(repeating: "=", count: (4 - base64.count % 4) % 4)
        return Data(base64Encoded: base64)
    }
}
