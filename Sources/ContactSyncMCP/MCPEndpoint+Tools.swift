import ContactSyncCore
import ContactSyncRuntime
import Foundation
import MCP

extension MCPEndpoint {
    /// The tool that records conversation details for an agent's offline-sync actions.
    static let detailsTool = "save_conversation_details"

    /// One tool per enabled in-conversation action (ARCHITECTURE §7), plus `save_conversation_details` when the
    /// agent has offline-sync actions. The agent as stored now: the endpoint may have been handed one read earlier.
    func tools(agent: Agent) async throws -> [Tool] {
        let callable = try await configuration.agentTools(agent: try await configuration.agent(id: agent.id).agent)
        var tools = try callable.tools.map { tool in
            Tool(
                name: tool.action.toolName, title: tool.action.name, description: tool.action.intent,
                inputSchema: try Self.inputSchema(tool.definition.function.parameters),
                annotations: .init(readOnlyHint: false, destructiveHint: tool.action.allowUpdateExisting, idempotentHint: true, openWorldHint: true),
                outputSchema: Self.runSchema)
        }
        if callable.hasOfflineActions {
            tools.append(detailsTool(callable.agentFields))
        }
        return tools
    }

    /// The action's argument schema with the optional `conversationId` beside its fields.
    static func inputSchema(_ parameters: ToolDefinition.Parameters) throws -> Value {
        guard case .object(var schema) = try Value(parameters), case .object(var properties)? = schema["properties"] else {
            return .object(["type": "object"])
        }
        properties["conversationId"] = conversationProperty
        schema["properties"] = .object(properties)
        schema["additionalProperties"] = false
        return .object(schema)
    }

    static let conversationProperty: Value = .object([
        "type": "string",
        "description": "The conversation this call belongs to, when the X-Conversation-Id header or the conversationId query parameter does not name it.",
    ])

    /// The Run the call answers with (ARCHITECTURE §11), as `structuredContent`.
    static let runSchema: Value = .object([
        "type": "object",
        "required": ["id", "actionId", "status", "trigger"],
        "properties": .object([
            "id": .object(["type": "string"]),
            "actionId": .object(["type": "string"]),
            "conversationId": .object(["type": ["string", "null"]]),
            "trigger": .object(["type": "string"]),
            "status": .object(["type": "string", "enum": ["pending", "running", "succeeded", "failed", "waiting_for_account"]]),
            "outcome": .object(["type": ["string", "null"]]),
            "reason": .object(["type": ["string", "null"]]),
            "crmRecordId": .object(["type": ["string", "null"]]),
            "crmRecordURL": .object(["type": ["string", "null"]]),
            "fieldsWritten": .object(["type": "array", "items": .object(["type": "string"])]),
            "error": .object(["type": ["object", "null"]]),
        ]),
    ])

    /// `save_conversation_details`: any agent field and the summary, all optional.
    func detailsTool(_ fields: [AgentField]) -> Tool {
        var properties: [String: Value] = ["conversationId": Self.conversationProperty]
        for field in fields {
            properties[field.key] = .object(["type": "string", "description": .string(field.label)])
        }
        return Tool(
            name: Self.detailsTool, title: "Save conversation details",
            description: "Records what the customer said (contact details, summary) for the actions that sync after the conversation ends.",
            inputSchema: .object(["type": "object", "properties": .object(properties), "additionalProperties": false]),
            annotations: .init(readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: false))
    }
}
