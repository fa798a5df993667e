import ContactSyncCore
import ContactSyncStore
import Foundation

/// Who is calling: the admin key opens everything; an agent key its own agent.
public enum Caller: Sendable, Equatable {
    case admin
    case agent(String)
}

/// Access to contact-sync: the admin API key (one at a time; a new one replaces the old on every instance
/// sharing the database), agent keys, and console sessions that were signed out. Keys are stored only as
/// keyed digests.
public struct AccessService: Sendable {
    let keys: AccessRepository
    /// How keys and sessions are digested under this installation's secret.
    public let keyDigest: KeyDigest
    let now: @Sendable () -> Date

    public init(keys: AccessRepository, keyDigest: KeyDigest, now: @escaping @Sendable () -> Date = { Date() }) {
        self.keys = keys
        self.keyDigest = keyDigest
        self.now = now
    }

    /// Stores the configured admin key (revoking any other), or on a first start without one generates a
    /// key. Returns a generated key, to be shown once.
    public func ensureAdminKey(_ configured: String?) async throws -> String? {
        if let key = configured, !key.isEmpty {
            try await keys.replaceAPIKeys(with: key, digest: keyDigest, now: now())
            return nil
        }
        guard try await !keys.hasAPIKeys() else { return nil }
        let key = Identifier.make("csk")
        try await keys.addAPIKey(key, digest: keyDigest, now: now())
        return key
    }

    /// Whether `key` is the admin key.
    public func isAdminKey(_ key: String) async throws -> Bool {
        try await keys.isValid(apiKey: key, digest: keyDigest)
    }

    /// Whether a stored digest still names the admin key (a console session names its key so).
    public func isAdminKey(digest: String) async throws -> Bool {
        try await keys.isValid(apiKeyHash: digest)
    }

    /// The agent an agent key belongs to.
    public func agent(forKey key: String) async throws -> String? {
        try await keys.agent(forKey: key, digest: keyDigest)
    }

    /// Remembers that a console session was signed out, until it would have expired.
    public func signOut(sessionDigest: String, expiresAt: Date) async throws {
        try await keys.recordSignOut(sessionDigest: sessionDigest, expiresAt: expiresAt, now: now())
    }

    public func isSignedOut(sessionDigest: String) async throws -> Bool {
        try await keys.isSignedOut(sessionDigest: sessionDigest)
    }
}

/// Tells who a key belongs to. An admin key found valid is trusted for `trust` without asking the database
/// again, so a key replaced on another instance sharing the database stops working here within that time;
/// agent keys are looked up each time, so a deleted one stops working at once.
public actor VerifiedKeys {
    /// How long a verified admin key is trusted without asking the database.
    public static let trust: TimeInterval = 5

    let access: AccessService
    let now: @Sendable () -> Date
    private var known: [String: Date] = [:]

    public init(access: AccessService, now: @escaping @Sendable () -> Date = { Date() }) {
        self.access = access
        self.now = now
    }

    public func caller(_ key: String) async -> Caller? {
        let stored = access.keyDigest(key)
        let time = now()
        if let verified = known[stored], time.timeIntervalSince(verified) < Self.trust { return .admin }
        known[stored] = nil
        if (try? await access.isAdminKey(key)) == true {
            known[stored] = time
            return .admin
        }
        return (try? await access.agent(forKey: key)).flatMap { $0 }.map(Caller.agent)
    }
}
