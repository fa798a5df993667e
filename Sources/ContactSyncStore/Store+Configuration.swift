import ContactSyncCore
import Foundation
import SQLKit

extension Store {
    /// Gives actions from before tool names were stored a unique one derived from their name.
    func fillToolNames() async throws {
        let unnamed = try await database.raw("SELECT id, name FROM actions WHERE tool_name IS NULL ORDER BY seq").all()
        guard !unnamed.isEmpty else { return }
        var taken = try await ConfigurationRepository(self).toolNames()
        for row in unnamed {
            let name = Action.uniqueToolName(for: try row.decode(column: "name", as: String.self), taken: taken)
            taken.insert(name)
            try await database.raw("UPDATE actions SET tool_name = \(bind: name), version = version + 1 WHERE id = \(bind: try row.decode(column: "id", as: String.self))").run()
        }
    }

    static func action(_ row: any SQLRow) throws -> StoredAction {
        StoredAction(
            action: Action(
                id: try row.decode(column: "id", as: String.self), template: try row.decode(column: "template", as: String.self),
                name: try row.decode(column: "name", as: String.self), intent: try row.decode(column: "intent", as: String.self),
                offlineSync: try row.decode(column: "offline_sync", as: Bool.self), accountId: try row.decode(column: "account_id", as: String.self),
                allowCreate: try row.decode(column: "allow_create", as: Bool.self),
                allowUpdateExisting: try row.decode(column: "allow_update_existing", as: Bool.self),
                enabled: try row.decode(column: "enabled", as: Bool.self),
                mappings: try decodeMappings(try row.decode(column: "mappings", as: String.self)),
                toolName: try row.decode(column: "tool_name", as: String?.self) ?? "",
                match: try row.decode(column: "match_mode", as: String?.self).flatMap(ContactMatchMode.init(rawValue:)) ?? .email,
                logAs: try row.decode(column: "log_as", as: String?.self).flatMap(ActivityLog.init(rawValue:))),
            createdAt: Store.date(try row.decode(column: "created_at", as: Double.self)))
    }

    static func encodeMappings(_ mappings: [FieldMapping]) -> String {
        String(decoding: (try? JSONEncoder().encode(mappings)) ?? Data("[]".utf8), as: UTF8.self)
    }

    static func decodeMappings(_ text: String) throws -> [FieldMapping] {
        try JSONDecoder().decode([FieldMapping].self, from: Data(text.utf8))
    }

    // MARK: Agents

    static func encodeIds(_ ids: [String]) -> String {
        String(decoding: (try? JSONEncoder().encode(ids)) ?? Data("[]".utf8), as: UTF8.self)
    }

    static func agent(_ row: any SQLRow) throws -> StoredAgent {
        StoredAgent(
            agent: Agent(
                id: try row.decode(column: "id", as: String.self), name: try row.decode(column: "name", as: String.self),
                channel: AgentChannel(rawValue: try row.decode(column: "channel", as: String.self)) ?? .text,
                actionIds: try JSONDecoder().decode([String].self, from: Data(try row.decode(column: "action_ids", as: String.self).utf8)),
                extraction: try row.decode(column: "extraction", as: String?.self).flatMap { try? decode(ExtractionSettings.self, $0) } ?? ExtractionSettings()),
            createdAt: Store.date(try row.decode(column: "created_at", as: Double.self)))
    }
}
