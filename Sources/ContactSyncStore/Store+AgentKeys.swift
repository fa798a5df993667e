import ContactSyncCore
import Foundation
import SQLKit

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

extension Store {
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
