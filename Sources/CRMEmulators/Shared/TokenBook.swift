import Crypto
import Foundation

/// The OAuth state of one emulator: authorization codes, access and refresh tokens, and the built-in
/// `test-…` tokens (each distinct one is its own app or user).
struct TokenBook: Sendable {
    /// Who a token acts as: a `test-…` token is its own subject; OAuth tokens act for their client.
    struct Subject: Sendable, Hashable {
        let key: String
    }

    enum Check: Sendable {
        case valid(Subject)
        case expired(secondsAgo: Int)
        case invalid
    }

    enum Failure: Error, Sendable {
        case invalidGrant(String)
        case invalidRequest(String)
    }

    struct Issued: Sendable {
        let accessToken: String
        let refreshToken: String?
        let subject: Subject
        let scopes: [String]
        let expiresIn: Int?
    }

    private struct Code: Sendable {
        let clientId: String
        let redirectURI: String?
        let scopes: [String]
        let codeChallenge: String?
        let issuedAt: Date
    }

    private struct Access: Sendable {
        let subject: Subject
        let clientId: String?
        let scopes: [String]
        var expiresAt: Date?
        let refreshToken: String?
    }

    private struct Refresh: Sendable {
        let subject: Subject
        let clientId: String
        let scopes: [String]
    }

    /// Access-token lifetime; nil for tokens that live until revoked.
    let accessLifetime: TimeInterval?
    /// Prefix of the tokens this emulator issues.
    let tokenPrefix: String

    private var codes: [String: Code] = [:]
    private var access: [String: Access] = [:]
    private var refresh: [String: Refresh] = [:]
    private var revoked: Set<String> = []
    private var expiredAt: [String: Date] = [:]

    init(accessLifetime: TimeInterval?, tokenPrefix: String) {
        self.accessLifetime = accessLifetime
        self.tokenPrefix = tokenPrefix
    }

    /// Whether `token` may call the API now.
    func check(_ token: String, now: Date) -> Check {
        if revoked.contains(token) { return .invalid }
        if let expired = expiredAt[token] { return .expired(secondsAgo: max(0, Int(now.timeIntervalSince(expired)))) }
        if token.hasPrefix("test-") { return .valid(Subject(key: token)) }
        guard let entry = access[token] else { return .invalid }
        if let expiresAt = entry.expiresAt, expiresAt <= now {
            return .expired(secondsAgo: max(0, Int(now.timeIntervalSince(expiresAt))))
        }
        return .valid(entry.subject)
    }

    /// Seconds until `token` expires, when it does.
    func expiresIn(_ token: String, now: Date) -> Int? {
        access[token]?.expiresAt.map { max(0, Int($0.timeIntervalSince(now))) }
    }

    func scopes(of token: String) -> [String] { access[token]?.scopes ?? [] }
    func clientId(of token: String) -> String? { access[token]?.clientId ?? refresh[token]?.clientId }

    /// A new authorization code for an approved authorize request.
    mutating func issueCode(clientId: String, redirectURI: String?, scopes: [String], codeChallenge: String?, now: Date)
        -> String
    {
        let code = Self.random(prefix: "code-")
        codes[code] = Code(
            clientId: clientId, redirectURI: redirectURI, scopes: scopes, codeChallenge: codeChallenge, issuedAt: now)
        return code
    }

    /// Approves an authorize request: issues a code and returns `redirectURI` carrying it and `state`;
    /// nil when the redirect URI is not a URL.
    mutating func approve(
        clientId: String, redirectURI: String, scopes: [String], codeChallenge: String?, state: String?, now: Date
    ) -> String? {
        guard var components = URLComponents(string: redirectURI), components.scheme != nil else { return nil }
        let code = issueCode(clientId: clientId, redirectURI: redirectURI, scopes: scopes, codeChallenge: codeChallenge, now: now)
        var items = components.queryItems ?? []
        items.append(URLQueryItem(name: "code", value: code))
        if let state { items.append(URLQueryItem(name: "state", value: state)) }
        components.queryItems = items
        return components.string
    }

    /// Exchanges a code (once) for tokens, checking the client, redirect URI and PKCE verifier.
    mutating func redeem(code: String, clientId: String?, redirectURI: String?, verifier: String?, now: Date)
        -> Result<Issued, Failure>
    {
        guard let grant = codes.removeValue(forKey: code), now.timeIntervalSince(grant.issuedAt) < 600 else {
            return .failure(.invalidGrant("invalid authorization code"))
        }
        if let clientId, clientId != grant.clientId { return .failure(.invalidGrant("client mismatch")) }
        if let expected = grant.redirectURI, let redirectURI, expected != redirectURI {
            return .failure(.invalidGrant("redirect_uri mismatch"))
        }
        if let challenge = grant.codeChallenge {
            guard let verifier else { return .failure(.invalidGrant("code verifier required")) }
            guard Self.challenge(for: verifier) == challenge else {
                return .failure(.invalidRequest("invalid code verifier"))
            }
        }
        let subject = Subject(key: "client:\(grant.clientId)")
        let refreshToken = Self.random(prefix: tokenPrefix + "r-")
        refresh[refreshToken] = Refresh(subject: subject, clientId: grant.clientId, scopes: grant.scopes)
        return .success(issueAccess(subject: subject, clientId: grant.clientId, scopes: grant.scopes, refreshToken: refreshToken, now: now))
    }

    /// A new access token for a refresh token.
    mutating func refresh(_ token: String, clientId: String?, now: Date) -> Result<Issued, Failure> {
        guard !revoked.contains(token), let entry = refresh[token] else {
            return .failure(.invalidGrant("refresh token is invalid, expired or revoked"))
        }
        if let clientId, clientId != entry.clientId { return .failure(.invalidGrant("client mismatch")) }
        return .success(issueAccess(subject: entry.subject, clientId: entry.clientId, scopes: entry.scopes, refreshToken: token, now: now))
    }

    /// Marks `token` as expired now (any token, `test-…` ones included).
    mutating func expire(_ token: String, now: Date) {
        expiredAt[token] = now
    }

    /// Revokes `token`; revoking a refresh token also revokes the access tokens issued from it.
    mutating func revoke(_ token: String) {
        revoked.insert(token)
        for (accessToken, entry) in access where entry.refreshToken == token {
            revoked.insert(accessToken)
        }
    }

    /// Whether the book knows `token` at all.
    func knows(_ token: String) -> Bool {
        token.hasPrefix("test-") || access[token] != nil || refresh[token] != nil
    }

    private mutating func issueAccess(subject: Subject, clientId: String, scopes: [String], refreshToken: String, now: Date)
        -> Issued
    {
        let token = Self.random(prefix: tokenPrefix)
        access[token] = Access(
            subject: subject, clientId: clientId, scopes: scopes, expiresAt: accessLifetime.map { now.addingTimeInterval($0) },
            refreshToken: refreshToken)
        return Issued(
            accessToken: token, refreshToken: refreshToken, subject: subject, scopes: scopes,
            expiresIn: accessLifetime.map { Int($0) })
    }

    /// The PKCE S256 challenge of a verifier: base64url(SHA-256(verifier)) without padding.
    static func challenge(for verifier: String) -> String {
        base64URL(Data(SHA256.hash(data: Data(verifier.utf8))))
    }

    static func base64URL(_ data: Data) -> String {
        data.base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    static func random(prefix: String) -> String {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<18).map { _ in UInt8.random(in: 0...255, using: &generator) }
        return prefix + base64URL(Data(bytes))
    }
}

/// A stable number derived from a string, for app, hub and user ids.
func stableNumber(_ text: String, modulo: UInt64) -> UInt64 {
    var hash: UInt64 = 0xcbf2_9ce4_8422_2325
    for byte in text.utf8 {
        hash ^= UInt64(byte)
        hash = hash &* 0x100_0000_01b3
    }
    return hash % modulo
}
