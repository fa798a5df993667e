import ContactSyncCore
import Foundation
import SQLKit

/// The configuration: agent fields, actions (with their tool names) and agents, and which actions run offline for each agent.
public struct ConfigurationRepository: Repository {
    let store: Store
    /// Where actions, accounts and agents are kept between reads (see ``Repositories``).
    let cache: ConfigurationCache?
    /// Whether every read may be answered from the cache (one process owns the database), or only a run's.
    let cacheServesEveryRead: Bool

    /// Over `store`, reading every action and account from it; ``Repositories`` gives the cached ones.
    public init(_ store: Store) { self.init(store, cache: nil, servesEveryRead: false) }

    init(_ store: Store, cache: ConfigurationCache?, servesEveryRead: Bool) {
        self.store = store
        self.cache = cache
        cacheServesEveryRead = servesEveryRead
    }
}

extension ConfigurationRepository {
    /// Built-in fields first, then custom ones in creation order.
    public func agentFields() async throws -> [AgentField] {
        let custom = try await database.raw("SELECT * FROM agent_fields ORDER BY seq").all().map { row in
            AgentField(
                key: try row.decode(column: "field_key", as: String.self), label: try row.decode(column: "label", as: String.self),
                builtIn: false, contactAttribute: try row.decode(column: "contact_attribute", as: Bool.self))
        }
        return AgentField.builtIns + custom
    }

    /// Adds a custom field; `RepositoryError.conflict` when the key exists.
    public func insertAgentField(_ field: AgentField, now: Date) async throws {
        guard !AgentField.builtIns.contains(where: { $0.key == field.key }) else { throw RepositoryError.conflict(field.key) }
        try await transaction { db in
            let existing = try await db.raw("SELECT field_key FROM agent_fields WHERE field_key = \(bind: field.key)").first()
            guard existing == nil else { throw RepositoryError.conflict(field.key) }
            try await db.raw("""
                INSERT INTO agent_fields (field_key, label, contact_attribute, created_at)
                VALUES (\(bind: field.key), \(bind: field.label), \(bind: field.contactAttribute), \(bind: Store.stamp(now)))
                """).run()
        }
    }

    /// Deletes a custom field unless an action maps it. Returns false when one does; nil when no such field.
    public func deleteAgentField(key: String) async throws -> Bool? {
        try await transaction { db in
            guard try await db.raw("SELECT field_key FROM agent_fields WHERE field_key = \(bind: key)").first() != nil else { return nil }
            let actions = try await db.raw("SELECT mappings FROM actions").all()
            for row in actions {
                let mappings = try Store.decodeMappings(try row.decode(column: "mappings", as: String.self))
                if mappings.contains(where: { $0.agentField == key }) { return false }
            }
            for row in try await db.raw("SELECT mapping, caller_phone_field FROM platform_connections").all() {
                let mapping = try Store.decode([PlatformConnection.Mapping].self, try row.decode(column: "mapping", as: String.self))
                let callerPhoneField = try row.decode(column: "caller_phone_field", as: String?.self)
                if mapping.contains(where: { $0.agentField == key }) || callerPhoneField == key {
                    return false
                }
            }
            try await db.raw("DELETE FROM agent_fields WHERE field_key = \(bind: key)").run()
            return true
        }
    }

    /// Inserts an action; `RepositoryError.conflict` when its tool name is taken.
    public func insertAction(_ action: Action, now: Date) async throws {
        defer { cache?.forget() }
        do {
            try await database.raw("""
                INSERT INTO actions (id, template, name, intent, offline_sync, account_id, allow_create, allow_update_existing, enabled,
                  mappings, created_at, updated_at, tool_name, match_mode, log_as)
                VALUES (\(bind: action.id), \(bind: action.template), \(bind: action.name), \(bind: action.intent), \(bind: action.offlineSync),
                  \(bind: action.accountId), \(bind: action.allowCreate), \(bind: action.allowUpdateExisting), \(bind: action.enabled),
                  \(bind: Store.encodeMappings(action.mappings)), \(bind: Store.stamp(now)), \(bind: Store.stamp(now)), \(bind: action.toolName),
                  \(bind: action.match.rawValue), \(bind: action.logAs?.rawValue))
                """).run()
        } catch where Store.isUniqueViolation(error) {
            throw RepositoryError.conflict(action.toolName)
        }
    }

    /// Every action's tool name.
    public func toolNames() async throws -> Set<String> {
        Set(try await database.raw("SELECT tool_name FROM actions WHERE tool_name IS NOT NULL").all().map { try $0.decode(column: "tool_name", as: String.self) })
    }

    /// Updates an action; `RepositoryError.conflict` when its tool name is taken. Its runs not started yet (pending,
    /// retrying, waiting for an account) follow it to its account, due at once: nothing is left waiting on
    /// an account the action no longer uses.
    public func updateAction(_ action: Action, now: Date) async throws {
        defer { cache?.forget() }
        do {
            try await transaction { db in
                try await db.raw("""
                    UPDATE actions SET template = \(bind: action.template), name = \(bind: action.name), intent = \(bind: action.intent),
                      offline_sync = \(bind: action.offlineSync), account_id = \(bind: action.accountId), allow_create = \(bind: action.allowCreate),
                      allow_update_existing = \(bind: action.allowUpdateExisting), enabled = \(bind: action.enabled),
                      mappings = \(bind: Store.encodeMappings(action.mappings)), updated_at = \(bind: Store.stamp(now)), tool_name = \(bind: action.toolName),
                      match_mode = \(bind: action.match.rawValue), log_as = \(bind: action.logAs?.rawValue), version = version + 1
                    WHERE id = \(bind: action.id)
                    """).run()
                try await db.raw("""
                    UPDATE runs SET account_id = \(bind: action.accountId), status = 'pending', next_attempt_at = \(bind: Store.stamp(now)),
                      retry_window_from = CASE WHEN status = 'waiting_for_account' THEN NULL ELSE retry_window_from END
                    WHERE action_id = \(bind: action.id) AND status IN ('pending', 'waiting_for_account')
                      AND (account_id IS NULL OR account_id <> \(bind: action.accountId))
                    """).run()
            }
        } catch where Store.isUniqueViolation(error) {
            throw RepositoryError.conflict(action.toolName)
        }
    }

    /// The action as stored (on SQLite, kept from an earlier read until a write).
    public func action(id: String) async throws -> StoredAction? {
        guard let cache, cacheServesEveryRead else {
            let generation = cache?.generation ?? 0
            let found = try await versionedAction(id: id)
            if let found { cache?.keep(actions: [found], readAt: generation) }
            return found?.record
        }
        return try await cache.action(id, read: { try await versionedAction(id: id) })
    }

    /// The action a run acts on: perhaps kept from an earlier read. On a database other instances write, the
    /// statement that opens the run checks it is still the stored version (``RunJournal``).
    public func actionForRun(id: String) async throws -> StoredAction? {
        guard let cache else { return try await action(id: id) }
        return try await cache.action(id, read: { try await versionedAction(id: id) })
    }

    /// The actions runs act on (see ``actionForRun(id:)``): those kept, and the others in one read.
    public func actionsForRun(ids: [String]) async throws -> [StoredAction] {
        guard let cache else { return try await actions(ids: ids) }
        let (kept, missing) = cache.actions(Array(Set(ids)))
        guard !missing.isEmpty else { return ids.compactMap { id in kept.first { $0.action.id == id } } }
        let generation = cache.generation
        let read = try await database.raw("SELECT * FROM actions WHERE id IN (\(binds: missing))").all().map(Self.versioned)
        cache.keep(actions: read, readAt: generation)
        let found = kept + read.map(\.record)
        return ids.compactMap { id in found.first { $0.action.id == id } }
    }

    private func versionedAction(id: String) async throws -> ConfigurationCache.Versioned<StoredAction>? {
        try await database.raw("SELECT * FROM actions WHERE id = \(bind: id)").first().map(Self.versioned)
    }

    static func versioned(_ row: any SQLRow) throws -> ConfigurationCache.Versioned<StoredAction> {
        ConfigurationCache.Versioned(record: try Store.action(row), version: try row.decode(column: "version", as: Int.self))
    }

    public func actions(limit: Int, cursor: String?) async throws -> Page<StoredAction> {
        try await page("actions", limit: limit, cursor: cursor, decode: Store.action)
    }

    public func actions(ids: [String]) async throws -> [StoredAction] {
        guard !ids.isEmpty else { return [] }
        let found = try await database.raw("SELECT * FROM actions WHERE id IN (\(binds: ids))").all().map(Store.action)
        return ids.compactMap { id in found.first { $0.action.id == id } }
    }

    /// Deletes an action unless an agent has it. Returns false when one does; nil when no such action.
    public func deleteAction(id: String) async throws -> Bool? {
        defer { cache?.forget() }
        return try await transaction { db in
            guard try await db.raw("SELECT id FROM actions WHERE id = \(bind: id)").first() != nil else { return nil }
            for row in try await db.raw("SELECT action_ids FROM agents").all() {
                let ids = try JSONDecoder().decode([String].self, from: Data(try row.decode(column: "action_ids", as: String.self).utf8))
                if ids.contains(id) { return false }
            }
            try await db.raw("DELETE FROM actions WHERE id = \(bind: id)").run()
            return true
        }
    }

    public func insertAgent(_ agent: Agent, now: Date) async throws {
        defer { cache?.forget() }
        try await database.raw("""
            INSERT INTO agents (id, name, channel, action_ids, extraction, created_at, updated_at)
            VALUES (\(bind: agent.id), \(bind: agent.name), \(bind: agent.channel.rawValue), \(bind: Store.encodeIds(agent.actionIds)),
              \(bind: Store.encode(agent.extraction)), \(bind: Store.stamp(now)), \(bind: Store.stamp(now)))
            """).run()
    }

    public func updateAgent(_ agent: Agent, now: Date) async throws {
        defer { cache?.forget() }
        try await database.raw("""
            UPDATE agents SET name = \(bind: agent.name), channel = \(bind: agent.channel.rawValue),
              action_ids = \(bind: Store.encodeIds(agent.actionIds)), extraction = \(bind: Store.encode(agent.extraction)),
              updated_at = \(bind: Store.stamp(now)), version = version + 1
            WHERE id = \(bind: agent.id)
            """).run()
    }

    public func agent(id: String) async throws -> StoredAgent? {
        try await versionedAgent(id: id)?.record
    }

    /// The agent whose tool a run is: perhaps kept from an earlier read. On a database other instances write,
    /// the statement that opens the run checks it is still the stored version (``RunJournal``).
    public func agentForRun(id: String) async throws -> StoredAgent? {
        guard let cache else { return try await agent(id: id) }
        return try await cache.agent(id, read: { try await versionedAgent(id: id) })
    }

    private func versionedAgent(id: String) async throws -> ConfigurationCache.Versioned<StoredAgent>? {
        try await database.raw("SELECT * FROM agents WHERE id = \(bind: id)").first().map { row in
            ConfigurationCache.Versioned(record: try Store.agent(row), version: try row.decode(column: "version", as: Int.self))
        }
    }

    public func agents(limit: Int, cursor: String?) async throws -> Page<StoredAgent> {
        try await page("agents", limit: limit, cursor: cursor, decode: Store.agent)
    }

    public func deleteAgent(id: String) async throws -> Bool {
        defer { cache?.forget() }
        guard try await agent(id: id) != nil else { return false }
        try await transaction { db in
            try await db.raw("DELETE FROM agent_keys WHERE agent_id = \(bind: id)").run()
            try await db.raw("DELETE FROM platform_connections WHERE agent_id = \(bind: id)").run()
            try await db.raw("DELETE FROM webhook_deliveries WHERE agent_id = \(bind: id)").run()
            try await db.raw("DELETE FROM agents WHERE id = \(bind: id)").run()
        }
        return true
    }

    /// Offline targets by agent: each agent's enabled offline-sync actions.
    public func offlineTargets() async throws -> [String: [OfflineTarget]] {
        let actions = try await database.raw("SELECT id, account_id FROM actions WHERE offline_sync = \(bind: true) AND enabled = \(bind: true)").all()
        var accounts: [String: String] = [:]
        for row in actions { accounts[try row.decode(column: "id", as: String.self)] = try row.decode(column: "account_id", as: String.self) }
        var targets: [String: [OfflineTarget]] = [:]
        for row in try await database.raw("SELECT id, action_ids FROM agents").all() {
            let ids = try Store.decode([String].self, try row.decode(column: "action_ids", as: String.self))
            let offline = ids.compactMap { id in accounts[id].map { OfflineTarget(actionId: id, accountId: $0) } }
            targets[try row.decode(column: "id", as: String.self)] = offline
        }
        return targets
    }
}
