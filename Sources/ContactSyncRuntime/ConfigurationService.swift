import ContactSyncCore
import ContactSyncStore
import Foundation

/// What an operator configures: agent fields, actions (validated against the account's live fields), agents.
public struct ConfigurationService: Sendable {
    let repositories: Repositories
    /// Keys, sign-outs and pending authorizations.
    let access: AccessRepository
    let accounts: AccountService
    /// How agent keys are stored.
    let keyDigest: KeyDigest

    public init(repositories: Repositories, accounts: AccountService, keyDigest: KeyDigest) {
        self.access = repositories.access
        self.keyDigest = keyDigest
        self.repositories = repositories
        self.accounts = accounts
    }

    // MARK: Agent fields

    public func agentFields() async throws(ServiceError) -> [AgentField] {
        try await attempt { try await repositories.configuration.agentFields() }
    }

    public func createAgentField(key: String, label: String?, contactAttribute: Bool) async throws(ServiceError) -> AgentField {
        guard AgentField.isValidKey(key) else {
            throw ServiceError(.unprocessable, .invalidFieldKey, "A field key is a lowercase letter followed by up to 63 lowercase letters, digits or underscores.")
        }
        let field = AgentField(key: key, label: (label?.isBlank ?? true) ? key : label!.trimmed, builtIn: false, contactAttribute: contactAttribute)
        do {
            try await repositories.configuration.insertAgentField(field, now: Date())
        } catch RepositoryError.conflict {
            throw ServiceError(.conflict, .fieldExists, "An agent field '\(key)' exists already.")
        } catch {
            throw ServiceError(.unavailable, .storageFailed, "The database could not be reached.")
        }
        return field
    }

    public func deleteAgentField(key: String) async throws(ServiceError) {
        if AgentField.builtIns.contains(where: { $0.key == key }) {
            throw ServiceError(.conflict, .fieldBuiltIn, "Built-in agent fields cannot be deleted.")
        }
        switch try await attempt({ try await repositories.configuration.deleteAgentField(key: key) }) {
        case nil: throw .notFound("Agent field \(key)")
        case false?: throw ServiceError(.conflict, .fieldInUse, "Actions map this field; remove those mappings first.")
        case true?: return
        }
    }

    // MARK: Actions

    /// Checks `action` against its template, its account's live fields and the agent fields; every
    /// problem is listed.
    func validate(_ action: Action) async throws(ServiceError) {
        let account = try? await repositories.accounts.account(id: action.accountId)
        var facts: ActionValidator.AccountFacts?
        if let account {
            facts = .init(crm: account.crm, fields: try await accounts.fields(accountId: account.id))
        }
        let agentFields = Set(try await agentFields().map(\.key))
        let problems = ActionValidator.problems(for: action, account: facts, agentFields: agentFields)
        guard problems.isEmpty else {
            throw ServiceError(
                .unprocessable, .invalidAction, problems.map(\.message).joined(separator: " "),
                details: problems.map {
                    ServiceError.Detail(code: $0.code.rawValue, message: $0.message, crmField: $0.crmField, agentField: $0.agentField, reason: $0.reason?.rawValue)
                })
        }
    }

    /// Creates an action; its tool name is the one given, or derived from its name (unique).
    public func createAction(_ draft: Action) async throws(ServiceError) -> StoredAction {
        var action = draft
        action.id = Identifier.make("act")
        try await validate(action)
        let taken = try await attempt { try await repositories.configuration.toolNames() }
        if action.toolName.isEmpty {
            action.toolName = Action.uniqueToolName(for: action.name, taken: taken)
        } else {
            try Self.check(toolName: action.toolName, taken: taken)
        }
        let now = Date()
        try await save { try await repositories.configuration.insertAction(action, now: now) }
        return StoredAction(action: action, createdAt: now)
    }

    /// Replaces an action's settings. Its tool name stays as it is unless one is given: renaming the action
    /// (or a sibling) never changes what agents call it.
    public func updateAction(id: String, _ draft: Action) async throws(ServiceError) -> StoredAction {
        let existing = try await action(id: id)
        var action = draft
        action.id = id
        try await validate(action)
        if action.toolName.isEmpty || action.toolName == existing.action.toolName {
            action.toolName = existing.action.toolName
        } else {
            try Self.check(toolName: action.toolName, taken: try await attempt { try await repositories.configuration.toolNames() })
        }
        try await save { try await repositories.configuration.updateAction(action, now: Date()) }
        return StoredAction(action: action, createdAt: existing.createdAt)
    }

    private static func check(toolName: String, taken: Set<String>) throws(ServiceError) {
        guard Action.isValidToolName(toolName) else {
            throw ServiceError(.unprocessable, .invalidAction, "toolName must match ^[a-z0-9_]{1,64}$.",
                details: [.init(code: "invalid_tool_name", message: "toolName must match ^[a-z0-9_]{1,64}$.")])
        }
        guard !taken.contains(toolName) else {
            throw ServiceError(.conflict, .toolNameTaken, "Another action is called '\(toolName)' by agents.")
        }
    }

    /// Saves an action; a tool name taken meanwhile by another action is a conflict.
    private func save(_ body: () async throws -> Void) async throws(ServiceError) {
        do {
            try await body()
        } catch RepositoryError.conflict {
            throw ServiceError(.conflict, .toolNameTaken, "Another action has this tool name.")
        } catch {
            throw ServiceError(.unavailable, .storageFailed, "The database could not be reached.")
        }
    }

    public func action(id: String) async throws(ServiceError) -> StoredAction {
        guard let found = try await attempt({ try await repositories.configuration.action(id: id) }) else { throw .notFound("Action \(id)") }
        return found
    }

    public func actions(limit: Int, cursor: String?) async throws(ServiceError) -> Page<StoredAction> {
        try await attempt { try await repositories.configuration.actions(limit: limit, cursor: cursor) }
    }

    public func deleteAction(id: String) async throws(ServiceError) {
        switch try await attempt({ try await repositories.configuration.deleteAction(id: id) }) {
        case nil: throw .notFound("Action \(id)")
        case false?: throw ServiceError(.conflict, .actionInUse, "Agents have this action; remove it from them first.")
        case true?: return
        }
    }

    // MARK: Agents

    private func checkAgent(_ agent: Agent) async throws(ServiceError) {
        var details: [ServiceError.Detail] = []
        if agent.name.isBlank { details.append(.init(code: "name_required", message: "The agent needs a name.")) }
        let known = Set(try await attempt { try await repositories.configuration.actions(ids: agent.actionIds) }.map(\.action.id))
        for id in agent.actionIds where !known.contains(id) {
            details.append(.init(code: "unknown_action", message: "No action has id '\(id)'.", actionId: id))
        }
        if Set(agent.actionIds).count != agent.actionIds.count {
            details.append(.init(code: "duplicate_action", message: "An action is listed twice."))
        }
        if PhoneNumbers.countries[agent.extraction.defaultCountry] == nil {
            details.append(.init(
                code: "unknown_country",
                message: "extraction.defaultCountry must be one of \(PhoneNumbers.countries.keys.sorted().joined(separator: ", "))."))
        }
        guard details.isEmpty else {
            throw ServiceError(.unprocessable, .invalidAgent, details.compactMap(\.message).joined(separator: " "), details: details)
        }
    }

    public func createAgent(
        name: String, channel: AgentChannel, actionIds: [String], extraction: ExtractionSettings = ExtractionSettings()
    ) async throws(ServiceError) -> StoredAgent {
        let agent = Agent(id: Identifier.make("agt"), name: name.trimmed, channel: channel, actionIds: actionIds, extraction: extraction)
        try await checkAgent(agent)
        let now = Date()
        try await attempt { try await repositories.configuration.insertAgent(agent, now: now) }
        return StoredAgent(agent: agent, createdAt: now)
    }

    /// Replaces an agent's settings; extraction settings left out stay as they are.
    public func updateAgent(
        id: String, name: String, channel: AgentChannel, actionIds: [String], extraction: ExtractionSettings? = nil
    ) async throws(ServiceError) -> StoredAgent {
        let existing = try await agent(id: id)
        let agent = Agent(id: id, name: name.trimmed, channel: channel, actionIds: actionIds, extraction: extraction ?? existing.agent.extraction)
        try await checkAgent(agent)
        try await attempt { try await repositories.configuration.updateAgent(agent, now: Date()) }
        return StoredAgent(agent: agent, createdAt: existing.createdAt)
    }

    public func agent(id: String) async throws(ServiceError) -> StoredAgent {
        guard let found = try await attempt({ try await repositories.configuration.agent(id: id) }) else { throw .notFound("Agent \(id)") }
        return found
    }

    /// The agent as tool calls read it: perhaps from memory; the statement that opens a call's run checks it
    /// is still the stored version (``RunEngine/Request/agentId``).
    public func agentForRun(id: String) async throws(ServiceError) -> Agent {
        guard let found = try await attempt({ try await repositories.configuration.agentForRun(id: id) }) else { throw .notFound("Agent \(id)") }
        return found.agent
    }

    public func agents(limit: Int, cursor: String?) async throws(ServiceError) -> Page<StoredAgent> {
        try await attempt { try await repositories.configuration.agents(limit: limit, cursor: cursor) }
    }

    public func deleteAgent(id: String) async throws(ServiceError) {
        guard try await attempt({ try await repositories.configuration.deleteAgent(id: id) }) else { throw .notFound("Agent \(id)") }
    }

    /// Tool definitions for the agent's enabled in-conversation actions.
    /// A new key for the agent (its MCP endpoint and conversations only); the key is shown once.
    public func createAgentKey(agentId: String) async throws(ServiceError) -> (key: AgentKey, secret: String) {
        _ = try await agent(id: agentId)
        return try await attempt { try await access.createAgentKey(agentId: agentId, digest: keyDigest, now: Date()) }
    }

    public func agentKeys(agentId: String) async throws(ServiceError) -> [AgentKey] {
        _ = try await agent(id: agentId)
        return try await attempt { try await access.agentKeys(agentId: agentId) }
    }

    public func deleteAgentKey(agentId: String, keyId: String) async throws(ServiceError) {
        guard try await attempt({ try await access.deleteAgentKey(agentId: agentId, keyId: keyId) }) else { throw .notFound("Key \(keyId)") }
    }

    /// The tool definitions of the agent's enabled in-conversation actions.
    public func tools(agentId: String) async throws(ServiceError) -> [ToolDefinition] {
        try await agentTools(agent: try await agent(id: agentId).agent).tools.map(\.definition)
    }

    /// What an agent can call: its enabled in-conversation actions with their tool definitions (input
    /// schemas from the mappings and, with `metadata` and when the CRM answers, its live field metadata),
    /// and whether it has offline-sync actions. Checking a call's arguments needs neither the metadata nor
    /// the agent fields' labels. With `kept`, the actions are those runs read (``ConfigurationRepository/actionsForRun(ids:)``):
    /// perhaps kept from an earlier read, and checked against their stored versions as a run opens.
    public func agentTools(agent: Agent, metadata withMetadata: Bool = true, kept: Bool = false) async throws(ServiceError) -> AgentTools {
        let actions = try await attempt {
            try await kept ? repositories.configuration.actionsForRun(ids: agent.actionIds) : repositories.configuration.actions(ids: agent.actionIds)
        }.map(\.action)
        let agentFields = withMetadata ? try await agentFields() : []
        var metadata: [String: [CRMField]] = [:]
        var tools: [AgentTools.Callable] = []
        for action in actions where action.isTool {
            guard let template = Template.named(action.template) else { continue }
            if withMetadata, metadata[action.accountId] == nil {
                metadata[action.accountId] = (try? await accounts.fields(accountId: action.accountId)) ?? []
            }
            tools.append(.init(action: action, template: template, definition: ToolDefinition.make(
                action: action, template: template, agentFields: agentFields, fields: metadata[action.accountId] ?? [])))
        }
        return AgentTools(agent: agent, tools: tools, hasOfflineActions: actions.contains { $0.offlineSync && $0.enabled }, agentFields: agentFields)
    }
}

/// What an agent can call.
public struct AgentTools: Sendable {
    public struct Callable: Sendable {
        public var action: Action
        public var template: Template
        public var definition: ToolDefinition
    }

    public var agent: Agent
    public var tools: [Callable]
    /// Whether the agent has offline-sync actions (which take conversation details rather than calls).
    public var hasOfflineActions: Bool
    public var agentFields: [AgentField]
}
