import ContactSyncCore
import Foundation
import SQLKit

/// Agents' voice-platform connections (with their sealed signing secrets) and the deliveries to their webhooks.
public struct PlatformRepository: Repository {
    let store: Store

    public init(_ store: Store) { self.store = store }

    /// Refused deliveries kept per agent: the newest ones, so a flood of unsigned posts cannot fill the database.
    public static let refusedKept = 100
}

extension PlatformRepository {
    /// Creates or replaces the agent's connection.
    public func saveConnection(_ connection: PlatformConnection, sealedSecret: Data) async throws {
        try await database.raw("""
            INSERT INTO platform_connections (agent_id, platform, secret, mapping, caller_phone_field, created_at, updated_at)
            VALUES (\(bind: connection.agentId), \(bind: connection.platform.rawValue), \(bind: sealedSecret.base64EncodedString()),
              \(bind: Store.encode(connection.mapping)), \(bind: connection.callerPhoneField), \(bind: Store.stamp(connection.createdAt)),
              \(bind: Store.stamp(connection.updatedAt)))
            ON CONFLICT (agent_id) DO UPDATE SET platform = excluded.platform, secret = excluded.secret, mapping = excluded.mapping,
              caller_phone_field = excluded.caller_phone_field, updated_at = excluded.updated_at
            """).run()
    }

    /// The agent's connection and its sealed secret.
    public func connection(agentId: String) async throws -> (connection: PlatformConnection, sealedSecret: Data)? {
        guard let row = try await database.raw("SELECT * FROM platform_connections WHERE agent_id = \(bind: agentId)").first() else { return nil }
        let connection = PlatformConnection(
            agentId: try row.decode(column: "agent_id", as: String.self),
            platform: VoicePlatform(rawValue: try row.decode(column: "platform", as: String.self)) ?? .retell,
            mapping: try Store.decode([PlatformConnection.Mapping].self, try row.decode(column: "mapping", as: String.self)),
            callerPhoneField: try row.decode(column: "caller_phone_field", as: String?.self),
            createdAt: Store.date(try row.decode(column: "created_at", as: Double.self)),
            updatedAt: Store.date(try row.decode(column: "updated_at", as: Double.self)))
        return (connection, Data(base64Encoded: try row.decode(column: "secret", as: String.self)) ?? Data())
    }

    /// Removes the agent's connection; false when it had none.
    public func deleteConnection(agentId: String) async throws -> Bool {
        try await database.raw("DELETE FROM platform_connections WHERE agent_id = \(bind: agentId) RETURNING agent_id").first() != nil
    }

    /// Records a delivery. One with a `digest` is recorded once: false when the same digest was recorded
    /// for the agent before (a redelivery). Refused ones beyond the newest ``refusedKept`` are let go.
    public func recordDelivery(agentId: String, _ delivery: WebhookDelivery, digest: String?) async throws -> Bool {
        do {
            try await database.raw("""
                INSERT INTO webhook_deliveries (agent_id, platform, digest, received_at, event_type, status, reason, conversation_id)
                VALUES (\(bind: agentId), \(bind: delivery.platform.rawValue), \(bind: digest), \(bind: Store.stamp(delivery.receivedAt)),
                  \(bind: delivery.eventType), \(bind: delivery.status.rawValue), \(bind: delivery.reason), \(bind: delivery.conversationId))
                """).run()
        } catch where Store.isUniqueViolation(error) {
            return false
        }
        if delivery.status == .refused {
            try await database.raw("""
                DELETE FROM webhook_deliveries WHERE agent_id = \(bind: agentId) AND status = 'refused' AND seq <= (
                  SELECT seq FROM webhook_deliveries WHERE agent_id = \(bind: agentId) AND status = 'refused'
                  ORDER BY seq DESC LIMIT 1 OFFSET \(bind: Self.refusedKept))
                """).run()
        }
        return true
    }

    /// Lets a recorded delivery go again (its processing failed), so the platform's retry is taken afresh.
    public func forgetDelivery(agentId: String, digest: String) async throws {
        try await database.raw("DELETE FROM webhook_deliveries WHERE agent_id = \(bind: agentId) AND digest = \(bind: digest)").run()
    }

    /// The agent's latest deliveries, newest first.
    public func deliveries(agentId: String, limit: Int) async throws -> [WebhookDelivery] {
        try await database.raw("""
            SELECT * FROM webhook_deliveries WHERE agent_id = \(bind: agentId) ORDER BY seq DESC LIMIT \(bind: limit)
            """).all().map { row in
            WebhookDelivery(
                receivedAt: Store.date(try row.decode(column: "received_at", as: Double.self)),
                platform: VoicePlatform(rawValue: try row.decode(column: "platform", as: String.self)) ?? .retell,
                eventType: try row.decode(column: "event_type", as: String?.self),
                status: WebhookDelivery.Status(rawValue: try row.decode(column: "status", as: String.self)) ?? .refused,
                reason: try row.decode(column: "reason", as: String?.self),
                conversationId: try row.decode(column: "conversation_id", as: String?.self))
        }
    }
}
