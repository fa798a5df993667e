import ContactSyncCore
import ContactSyncRuntime
import Foundation
import Hummingbird

/// Agents (channel, actions, tool definitions, MCP URL, keys) and agent fields.
extension Console {
    func addAgents(_ group: RouterGroup<AppRequestContext>) {
        get(group, "agents") { _, _, session in try await agentsPage(session, newKey: nil) }
        post(group, "agents") { form, _, _, _ in
            guard let channel = form["channel"].flatMap(AgentChannel.init(rawValue:)),
                  let mode = form["extraction"].flatMap(ExtractionSettings.Mode.init(rawValue:))
            else {
                throw ServiceError(.unprocessable, .invalidRequest, "Choose the agent's channel and how it extracts values.")
            }
            let extraction = ExtractionSettings(mode: mode, defaultCountry: form["defaultCountry"] ?? "US", generateSummary: form.isOn("generateSummary"))
            _ = try await configuration.createAgent(name: form["name"] ?? "", channel: channel, actionIds: form.all("actionIds"), extraction: extraction)
            return ConsoleRenderer.redirect("/console/agents")
        }
        post(group, "agents/{id}/keys") { _, _, context, session in
            let created = try await configuration.createAgentKey(agentId: try context.parameter("id"))
            return try await agentsPage(session, newKey: (created.key.agentId, created.secret))
        }
        post(group, "agents/{id}/keys/{keyId}/delete") { _, _, context, _ in
            try await configuration.deleteAgentKey(agentId: try context.parameter("id"), keyId: try context.parameter("keyId"))
            return ConsoleRenderer.redirect("/console/agents")
        }
        get(group, "agent-fields") { _, _, session in try await agentFieldsPage(session, problem: nil) }
        post(group, "agent-fields") { form, _, _, session in
            do {
                _ = try await configuration.createAgentField(key: form["key"] ?? "", label: form["label"], contactAttribute: form.isOn("contactAttribute"))
                return ConsoleRenderer.redirect("/console/agent-fields")
            } catch let error as ServiceError where error.kind == .unprocessable || error.kind == .conflict {
                return try await agentFieldsPage(session, problem: error.details.first?.message ?? error.message)
            }
        }
        post(group, "agent-fields/{key}/delete") { _, _, context, _ in
            try await configuration.deleteAgentField(key: try context.parameter("key"))
            return ConsoleRenderer.redirect("/console/agent-fields")
        }
    }

    private func agentsPage(_ session: ConsoleSessions.Session, newKey: (agentId: String, secret: String)?) async throws -> Response {
        let agents = try await configuration.agents(limit: 500, cursor: nil).items.map(\.agent)
        let actions = try await allActions()
        let names = Self.names(actions)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        var rows: [AgentsPage.Agent] = []
        for agent in agents {
            let tools = (try? await configuration.tools(agentId: agent.id)) ?? []
            let keys = try await configuration.agentKeys(agentId: agent.id)
            rows.append(AgentsPage.Agent(
                id: agent.id, name: agent.name, channel: agent.channel == .voice ? "Voice" : "Text",
                actions: agent.actionIds.map { names[$0] ?? $0 }.joined(separator: ", "),
                mcpURL: publicURL + "/v1/agents/\(agent.id)/mcp",
                extraction: Self.describe(agent.extraction),
                tools: String(decoding: (try? encoder.encode(tools)) ?? Data("[]".utf8), as: UTF8.self),
                keys: keys.map { .init(id: $0.id, agentId: agent.id, createdAt: Self.time($0.createdAt)) },
                newKey: newKey.flatMap { $0.agentId == agent.id ? $0.secret : nil }))
        }
        return renderer.page("agents", page(session, "Agents", section: "Agents", AgentsPage(
            agents: rows, actionChoices: actions.map { .init(id: $0.id, name: $0.name) },
            countries: PhoneNumbers.countries.keys.sorted().map { .init(code: $0, selected: $0 == "US") })))
    }

    struct AgentsPage {
        struct Key { let id: String, agentId: String, createdAt: String }
        struct Agent {
            let id: String, name: String, channel: String, actions: String, mcpURL: String, extraction: String, tools: String
            let keys: [Key]
            /// A key just created for this agent, shown once.
            let newKey: String?
        }
        struct Choice { let id: String, name: String }
        struct Country {
            let code: String
            let selected: Bool
        }
        let agents: [Agent]
        let actionChoices: [Choice]
        let countries: [Country]
    }

    /// "Rules; phones in US; summary generated".
    static func describe(_ extraction: ExtractionSettings) -> String {
        switch extraction.mode {
        case .off: "Off: only what the platform sends"
        case .rules: "Rules (emails, phones, names); phone numbers default to \(extraction.defaultCountry)"
        case .model: "Rules and model; phone numbers default to \(extraction.defaultCountry)\(extraction.generateSummary ? "; summaries generated" : "")"
        }
    }

    private func agentFieldsPage(_ session: ConsoleSessions.Session, problem: String?) async throws -> Response {
        let fields = try await configuration.agentFields()
        return renderer.page("agent_fields", page(session, "Agent fields", section: "Agent fields", AgentFieldsPage(
            fields: fields.map { .init(key: $0.key, label: $0.label, builtIn: $0.builtIn, contactAttribute: $0.contactAttribute) },
            problem: problem)))
    }

    struct AgentFieldsPage {
        struct Field {
            let key: String, label: String
            let builtIn: Bool, contactAttribute: Bool
        }
        let fields: [Field]
        let problem: String?
    }
}
