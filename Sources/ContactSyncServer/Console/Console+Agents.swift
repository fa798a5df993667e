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
        post(group, "agents/{id}/platform") { form, _, context, _ in
            let agentId = try context.parameter("id")
            guard let platform = form["platform"].flatMap(VoicePlatform.init(rawValue:)) else {
                throw ServiceError(.unprocessable, .invalidRequest, "Choose Retell, Vapi or ElevenLabs.")
            }
            _ = try await voice.connect(
                agentId: agentId, platform: platform, secret: form["secret"] ?? "", mapping: try Self.mapping(form["mapping"] ?? ""),
                callerPhoneField: form["callerPhoneField"])
            return ConsoleRenderer.redirect("/console/agents")
        }
        post(group, "agents/{id}/platform/delete") { _, _, context, _ in
            try await voice.disconnect(agentId: try context.parameter("id"))
            return ConsoleRenderer.redirect("/console/agents")
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
        let fields = try await configuration.agentFields()
        var rows: [AgentsPage.Agent] = []
        for agent in agents {
            let tools = (try? await configuration.tools(agentId: agent.id)) ?? []
            let keys = try await configuration.agentKeys(agentId: agent.id)
            let connection = try? await voice.connection(agentId: agent.id)
            let deliveries = try await voice.deliveries(agentId: agent.id).prefix(20)
            rows.append(AgentsPage.Agent(
                id: agent.id, name: agent.name, channel: agent.channel == .voice ? "Voice" : "Text",
                actions: agent.actionIds.map { names[$0] ?? $0 }.joined(separator: ", "),
                mcpURL: publicURL + "/v1/agents/\(agent.id)/mcp",
                extraction: Self.describe(agent.extraction),
                tools: String(decoding: (try? encoder.encode(tools)) ?? Data("[]".utf8), as: UTF8.self),
                keys: keys.map { .init(id: $0.id, agentId: agent.id, createdAt: Self.time($0.createdAt)) },
                newKey: newKey.flatMap { $0.agentId == agent.id ? $0.secret : nil },
                platform: connection.map { connection in
                    .init(
                        agentId: agent.id, name: connection.platform.name,
                        webhookURL: publicURL + "/v1/agents/\(agent.id)/webhooks/\(connection.platform.rawValue)",
                        hint: Self.pasteHint(connection.platform),
                        mappingText: connection.mapping.map { "\($0.key) → \($0.agentField)" }.joined(separator: ", "),
                        callerPhoneField: connection.callerPhoneField)
                },
                platformChoices: VoicePlatform.allCases.map {
                    .init(value: $0.rawValue, label: $0.name, selected: $0 == connection?.platform)
                },
                mappingLines: connection?.mapping.map { "\($0.key) = \($0.agentField)" }.joined(separator: "\n") ?? "",
                phoneChoices: fields.filter { $0.key != AgentField.summaryKey }.map { field in
                    .init(value: field.key, label: field.label, selected: connection.map { $0.callerPhoneField == field.key } ?? (field.key == "phone"))
                },
                deliveries: deliveries.map {
                    .init(
                        time: Self.time($0.receivedAt), event: $0.eventType ?? "—", status: Self.words($0.status.rawValue), reason: $0.reason,
                        conversationId: $0.conversationId)
                },
                hasDeliveries: !deliveries.isEmpty))
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
            let platform: Platform?
            let platformChoices: [ConsoleModel.Option]
            let mappingLines: String
            let phoneChoices: [ConsoleModel.Option]
            let deliveries: [Delivery]
            let hasDeliveries: Bool
        }
        /// The agent's voice-platform connection.
        struct Platform {
            let agentId: String, name: String, webhookURL: String, hint: String, mappingText: String
            let callerPhoneField: String?
        }
        struct Delivery {
            let time: String, event: String, status: String
            let reason: String?, conversationId: String?
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

    /// Where the webhook URL goes in the platform's dashboard.
    static func pasteHint(_ platform: VoicePlatform) -> String {
        switch platform {
        case .retell: "In Retell: the agent's Webhook URL (or the account's, under Webhooks), with an API key that has webhook permission as the secret here."
        case .vapi: "In Vapi: the assistant's Server URL, with a credential (HMAC, signature header x-vapi-signature; or a bearer token) whose secret is the one here; end-of-call-report among the server messages."
        case .elevenlabs: "In ElevenLabs: Agents → Settings → Post-call webhook, with the HMAC secret ElevenLabs shows when the webhook is created."
        }
    }

    /// `key = agent field` lines as a mapping.
    static func mapping(_ text: String) throws(ServiceError) -> [PlatformConnection.Mapping] {
        var mapping: [PlatformConnection.Mapping] = []
        for line in text.split(whereSeparator: \.isNewline) {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            guard !trimmed.isEmpty else { continue }
            let parts = trimmed.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else {
                throw ServiceError(.unprocessable, .invalidPlatformConnection, "Write each mapping as: analysis key = agent field.")
            }
            mapping.append(PlatformConnection.Mapping(key: parts[0], agentField: parts[1]))
        }
        return mapping
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
