import ContactSyncCore
import Crypto
import Foundation
import SQLKit

/// Access to contact-sync as stored: the admin API key, agent keys, console sign-outs and pending OAuth
/// authorizations. Keys are stored only as keyed digests.
public struct AccessRepository: Repository {
    let store: Store

    public init(_ store: Store) { self.store = store }
}

/// A key scoped to one agent (its MCP endpoint and its conversations); only its hash is stored.
public struct AgentKey: Sendable, Hashable {
    public var id: String
    public var agentId: String
    public var createdAt: Date

    public init(id: String, agentId: String, createdAt: Date) {
        self.id = id
        self.agentId = agentId
        self.createdAt = createdAt
    }
}

extension AccessRepository {
    // MARK: API keys

    public func hasAPIKeys() async throws -> Bool {
        try await database.raw("SELECT COUNT(*) AS n FROM api_keys").first()?.decode(column: "n", as: Int.self) ?? 0 > 0
    }

    /// Stores the digest of `apiKey` unless it is stored already.
    public func addAPIKey(_ apiKey: String, digest: KeyDigest, now: Date) async throws {
        try await database.raw("""
            INSERT INTO api_keys (id, key_hash, created_at) VALUES (\(bind: Identifier.make("key")), \(bind: digest(apiKey)), \(bind: Store.stamp(now)))
            ON CONFLICT (key_hash) DO NOTHING
            """).run()
    }

    /// Makes `apiKey` the only admin key: a key chosen anew (`CONTACT_SYNC_API_KEY` changed) revokes the
    /// previous one, the generated one included.
    public func replaceAPIKeys(with apiKey: String, digest: KeyDigest, now: Date) async throws {
        let stored = digest(apiKey)
        try await transaction { db in
            try await db.raw("DELETE FROM api_keys WHERE key_hash <> \(bind: stored)").run()
            try await db.raw("""
                INSERT INTO api_keys (id, key_hash, created_at) VALUES (\(bind: Identifier.make("key")), \(bind: stored), \(bind: Store.stamp(now)))
                ON CONFLICT (key_hash) DO NOTHING
                """).run()
        }
    }

    /// Whether `apiKey` is a valid admin key. A key stored by an earlier version (unkeyed SHA-256) is
    /// accepted once and stored anew in the keyed form.
    public func isValid(apiKey: String, digest: KeyDigest) async throws -> Bool {
        let (keyed, legacy) = (digest(apiKey), KeyDigest.legacy(apiKey))
        let found = try await database.raw("SELECT key_hash FROM api_keys WHERE key_hash IN (\(bind: keyed), \(bind: legacy))").all()
            .map { try $0.decode(column: "key_hash", as: String.self) }
        if found.contains(keyed) { return true }
        guard found.contains(legacy) else { return false }
        try await database.raw("UPDATE api_keys SET key_hash = \(bind: keyed) WHERE key_hash = \(bind: legacy)").run()
        return true
    }

    /// Whether an admin key with this digest is still valid (a console session names the key it began with).
    public func isValid(apiKeyHash: String) async throws -> Bool {
        try await database.raw("SELECT id FROM api_keys WHERE key_hash = \(bind: apiKeyHash)").first() != nil
    }

    // MARK: Console sign-outs

    /// Remembers that a console session was signed out, until it would have expired anyway; sign-outs
    /// already past their expiry are forgotten.
    public func recordSignOut(sessionDigest: String, expiresAt: Date, now: Date) async throws {
        try await database.raw("DELETE FROM console_signouts WHERE expires_at < \(bind: Store.stamp(now))").run()
        try await database.raw("""
            INSERT INTO console_signouts (session_digest, expires_at) VALUES (\(bind: sessionDigest), \(bind: Store.stamp(expiresAt)))
            ON CONFLICT (session_digest) DO NOTHING
            """).run()
    }

    /// Whether the console session with this digest was signed out.
    public func isSignedOut(sessionDigest: String) async throws -> Bool {
        try await database.raw("SELECT expires_at FROM console_signouts WHERE session_digest = \(bind: sessionDigest)").first() != nil
    }

    // MARK: OAuth states

    /// A pending OAuth authorization.
    public struct OAuthState: Sendable, Hashable {
        public var state: String
        public var crm: String
        public var name: String
        public var codeVerifier: String
        public var loginURL: String?
        public var emulator: Bool
        public var createdAt: Date
        /// The account to reconnect, when the authorization renews an existing one.
        public var accountId: String?
        /// The digest of the binding the browser that started the authorization holds (in a cookie).
        public var bindingDigest: String

        public init(
            state: String, crm: String, name: String, codeVerifier: String, loginURL: String?, emulator: Bool, createdAt: Date, accountId: String? = nil,
            bindingDigest: String
        ) {
            self.accountId = accountId
            self.bindingDigest = bindingDigest
            self.state = state
            self.crm = crm
            self.name = name
            self.codeVerifier = codeVerifier
            self.loginURL = loginURL
            self.emulator = emulator
            self.createdAt = createdAt
        }
    }

    public func insertOAuthState(_ state: OAuthState) async throws {
        try await database.raw("""
            INSERT INTO oauth_states (state, crm, name, code_verifier, login_url, emulator, created_at, account_id, binding)
            VALUES (\(bind: state.state), \(bind: state.crm), \(bind: state.name), \(bind: state.codeVerifier), \(bind: state.loginURL),
              \(bind: state.emulator), \(bind: Store.stamp(state.createdAt)), \(bind: state.accountId), \(bind: state.bindingDigest))
            """).run()
    }

    /// Takes (reads and deletes) a pending authorization, only for the browser that started it (the digest
    /// of its binding): each state works once, and a state sent by another browser is refused and kept.
    public func takeOAuthState(_ state: String, bindingDigest: String) async throws -> OAuthState? {
        try await transaction { db in
            // The binding is compared as a digest of a random secret: its timing tells nothing about the secret.
            guard let row = try await db.raw("SELECT * FROM oauth_states WHERE state = \(bind: state) AND binding = \(bind: bindingDigest)").first()
            else { return nil }
            try await db.raw("DELETE FROM oauth_states WHERE state = \(bind: state)").run()
            return OAuthState(
                state: state, crm: try row.decode(column: "crm", as: String.self), name: try row.decode(column: "name", as: String.self),
                codeVerifier: try row.decode(column: "code_verifier", as: String.self),
                loginURL: try row.decode(column: "login_url", as: String?.self), emulator: try row.decode(column: "emulator", as: Bool.self),
                createdAt: Store.date(try row.decode(column: "created_at", as: Double.self)),
                accountId: try row.decode(column: "account_id", as: String?.self), bindingDigest: bindingDigest)
        }
    }

    // MARK: Agent keys

    /// Creates a key for the agent; returns its record and the key itself (shown once, never stored).
    public func createAgentKey(agentId: String, digest: KeyDigest, now: Date) async throws -> (key: AgentKey, secret: String) {
        let record = AgentKey(id: Identifier.make("agk"), agentId: agentId, createdAt: now)
        let secret = Identifier.make("csa") + Identifier.make("")
        try await database.raw("""
            INSERT INTO agent_keys (id, agent_id, key_hash, created_at)
            VALUES (\(bind: record.id), \(bind: agentId), \(bind: digest(secret)), \(bind: Store.stamp(now)))
            """).run()
        return (record, secret)
    }

    public func agentKeys(agentId: String) async throws -> [AgentKey] {
        try await database.raw("SELECT id, agent_id, created_at FROM agent_keys WHERE agent_id = \(bind: agentId) ORDER BY created_at, id").all().map {
            AgentKey(
                id: try $0.decode(column: "id", as: String.self), agentId: try $0.decode(column: "agent_id", as: String.self),
                createdAt: Store.date(try $0.decode(column: "created_at", as: Double.self)))
        }
    }

    /// Deletes one of the agent's keys; false when it has no such key.
    public func deleteAgentKey(agentId: String, keyId: String) async throws -> Bool {
        try await !database.raw("DELETE FROM agent_keys WHERE agent_id = \(bind: agentId) AND id = \(bind: keyId) RETURNING id").all().isEmpty
    }

    /// The agent a key belongs to, if it is an agent key. A key stored by an earlier version (unkeyed
    /// SHA-256) is found once and stored anew in the keyed form.
    public func agent(forKey key: String, digest: KeyDigest) async throws -> String? {
        let (keyed, legacy) = (digest(key), KeyDigest.legacy(key))
        let found = try await database.raw("SELECT agent_id, key_hash FROM agent_keys WHERE key_hash IN (\(bind: keyed), \(bind: legacy))").all()
        guard let row = found.first else { return nil }
        let agent = try row.decode(column: "agent_id", as: String.self)
        if try row.decode(column: "key_hash", as: String.self) == legacy {
            try await database.raw("UPDATE agent_keys SET key_hash = \(bind: keyed) WHERE key_hash = \(bind: legacy)").run()
        }
        return agent
    }
}
