import ContactSyncCore
import Foundation
import SQLKit

extension Store {
    static func conversation(_ row: any SQLRow) throws -> Conversation {
        Conversation(
            id: try row.decode(column: "id", as: String.self), agentId: try row.decode(column: "agent_id", as: String.self),
            channel: AgentChannel(rawValue: try row.decode(column: "channel", as: String.self)) ?? .text,
            startedAt: Store.date(try row.decode(column: "started_at", as: Double.self)),
            lastMessageAt: try row.decode(column: "last_message_at", as: Double?.self).map(Store.date),
            endsAt: try row.decode(column: "ends_at", as: Double?.self).map(Store.date),
            endedAt: try row.decode(column: "ended_at", as: Double?.self).map(Store.date),
            attributes: try decode([String: String].self, try row.decode(column: "attributes", as: String.self)),
            summary: try row.decode(column: "summary", as: String?.self),
            messageCount: try row.decode(column: "message_count", as: Int.self),
            dispatchedAt: try row.decode(column: "dispatched_at", as: Double?.self).map(Store.date),
            platform: try row.decode(column: "platform", as: String?.self).flatMap(VoicePlatform.init(rawValue:)),
            call: try row.decode(column: "call_facts", as: String?.self).flatMap { try? decode(CallFacts.self, $0) })
    }

    // MARK: Contact attributes

    // MARK: Helpers

    static func encode(_ value: some Encodable) -> String {
        String(decoding: (try? CompactJSONEncoder().encodeOrFallBack(value)) ?? Data("null".utf8), as: UTF8.self)
    }

    static func decode<T: Decodable>(_ type: T.Type, _ text: String) throws -> T {
        try JSONDecoder().decode(T.self, from: Data(text.utf8))
    }
}

extension Store {
}
