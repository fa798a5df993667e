import ContactSyncCore
import ContactSyncRuntime
import Foundation
import MCP

/// Which conversation a call is for: the `X-Conversation-Id` header, else the `conversationId` query
/// parameter, else the `conversationId` argument. Naming two different ones is an error.
struct ConversationBinding: Sendable {
    let header: String?
    let query: String?

    func resolve(argument: String?) throws(CallProblem) -> String? {
        let named = [header, query, argument].compactMap { $0?.trimmed }.filter { !$0.isEmpty }
        guard Set(named).count <= 1 else {
            throw CallProblem("Two different conversations were named (\(Set(named).sorted().joined(separator: ", "))); name one.")
        }
        return named.first
    }
}

/// A `tools/call`'s arguments as the request's own JSON has them. The SDK's `Value` decoding turns a string
/// that looks like a data URL (`"data:,Acme"`) into bytes; the arguments the model sent are read from the
/// body instead, so every string reaches the run exactly as it was sent.
struct SentArguments: Sendable {
    /// The arguments of the request's `tools/call`, when the body is one.
    let arguments: [String: SentValue]?

    enum SentValue: Sendable {
        case string(String)
        case null
        case other
    }

    init(body: Data?) {
        guard let body, let message = (try? JSONSerialization.jsonObject(with: body)) as? [String: Any], message["method"] as? String == "tools/call",
            let parameters = message["params"] as? [String: Any]
        else {
            arguments = nil
            return
        }
        let raw = parameters["arguments"] as? [String: Any] ?? [:]
        arguments = raw.mapValues { value in
            if let text = value as? String { return .string(text) }
            return value is NSNull ? .null : .other
        }
    }
}

/// Why a call was refused, in words for the model.
struct CallProblem: Error {
    let message: String
    init(_ message: String) { self.message = message }
}

extension MCPEndpoint {
    /// Carries a tool call out. Failures are results with `isError`, never transport errors.
    func call(agent: Agent, _ parameters: CallTool.Parameters, binding: ConversationBinding, sent: SentArguments) async -> CallTool.Result {
        do {
            return try await perform(agent: agent, parameters, binding: binding, sent: sent)
        } catch let problem as CallProblem {
            return CallTool.Result(content: [Self.say(problem.message)], isError: true)
        } catch let error as ServiceError {
            return CallTool.Result(content: [Self.say("\(error.message) (\(error.code))")], isError: true)
        } catch {
            logger.error("MCP tool call failed", metadata: ["agent_id": "\(agent.id)", "error": "\(type(of: error))"])
            return CallTool.Result(content: [Self.say("The call could not be completed; try again.")], isError: true)
        }
    }

    private func perform(agent: Agent, _ parameters: CallTool.Parameters, binding: ConversationBinding, sent: SentArguments) async throws -> CallTool.Result {
        let agentId = agent.id
        let arguments = try sent.arguments.map(Self.strings) ?? Self.strings(parameters.arguments ?? [:])
        let conversationId = try binding.resolve(argument: arguments["conversationId"])
        var values = arguments
        values["conversationId"] = nil
        // The agent and its actions as runs read them; a name they do not offer (another instance may have just
        // added or renamed a tool) is looked for again in the database.
        var callable = try await configuration.agentTools(agent: agent, metadata: false, kept: true)
        if !Self.offers(parameters.name, callable) {
            callable = try await configuration.agentTools(agent: try await configuration.agent(id: agentId).agent, metadata: false)
        }
        if parameters.name == Self.detailsTool, callable.hasOfflineActions {
            guard let conversationId else { throw CallProblem("Name the conversation (conversationId) whose details these are.") }
            return try await saveDetails(agentId: agentId, conversationId: conversationId, values)
        }
        guard let tool = callable.tools.first(where: { $0.action.toolName == parameters.name }) else {
            throw CallProblem("There is no tool named '\(parameters.name)'.")
        }
        let schema = tool.definition.function.parameters
        let unknown = values.keys.filter { schema.properties[$0] == nil }.sorted()
        guard unknown.isEmpty else {
            throw CallProblem("Unknown arguments: \(unknown.joined(separator: ", ")). This tool takes: \(schema.properties.keys.sorted().joined(separator: ", ")).")
        }
        let missing = schema.required.filter { values[$0]?.isBlank ?? true }
        guard missing.isEmpty else {
            throw CallProblem("Missing required arguments: \(missing.joined(separator: ", ")). Ask the customer for them, then call again.")
        }
        if let conversationId { try await bind(conversationId, agentId: agentId) }
        var fields = values
        let summary = fields.removeValue(forKey: AgentField.summaryKey)
        let base = Self.idempotencyKey(tool: parameters.name, conversationId: conversationId, arguments: values)
        let run = try await runCall(keyed: base, action: tool.action) { key in
            RunEngine.Request(
                actionId: tool.action.id, conversationId: conversationId, input: RunInput(fields: fields, summary: summary), idempotencyKey: key,
                runId: Identifier.make("run"), toolName: parameters.name, agentId: agentId)
        }
        let structured: Value? = try ValueEncoder().encode(runView(run))
        let json = try Self.jsonEncoder.encode(structured)
        let text = RunSentence.text(run, crm: tool.template.crm) + "\n" + String(decoding: json, as: UTF8.self)
        return CallTool.Result(content: [Self.say(text)], structuredContent: structured, isError: run.status == .failed)
    }

    /// Whether `name` is one of the agent's tools.
    static func offers(_ name: String, _ callable: AgentTools) -> Bool {
        (name == detailsTool && callable.hasOfflineActions) || callable.tools.contains { $0.action.offers(tool: name) }
    }

    /// The conversation exists and is this agent's; an unknown id starts a conversation of this agent.
    private func bind(_ conversationId: String, agentId: String) async throws {
        do {
            let existing = try await conversations.conversation(id: conversationId)
            guard existing.agentId == agentId else { throw CallProblem("Conversation \(conversationId) belongs to another agent.") }
        } catch let error as ServiceError where error.kind == .notFound {
            _ = try await conversations.start(id: conversationId, agentId: agentId)
        }
    }

    private func saveDetails(agentId: String, conversationId: String, _ values: [String: String]) async throws -> CallTool.Result {
        try await bind(conversationId, agentId: agentId)
        var attributes = values
        let summary = attributes.removeValue(forKey: AgentField.summaryKey)
        if !attributes.isEmpty { _ = try await conversations.mergeAttributes(conversationId: conversationId, attributes.mapValues { Optional($0) }, scope: agentId) }
        if let summary { _ = try await conversations.setSummary(conversationId: conversationId, text: summary) }
        let saved = values.keys.sorted()
        return CallTool.Result(
            content: [Self.say("Saved \(saved.isEmpty ? "nothing" : saved.joined(separator: ", ")) for conversation \(conversationId); the CRM is updated when the conversation ends.")],
            structuredContent: Value?.some(.object(["conversationId": .string(conversationId), "saved": .array(saved.map { .string($0) })])))
    }

    /// Writes the Run JSON of the text item.
    static var jsonEncoder: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }

    /// A text item for the model.
    static func say(_ text: String) -> Tool.Content {
        .text(text: text, annotations: nil, _meta: nil)
    }

    /// Arguments as the body sent them, as strings; anything else is refused.
    static func strings(_ arguments: [String: SentArguments.SentValue]) throws(CallProblem) -> [String: String] {
        var result: [String: String] = [:]
        for (key, value) in arguments {
            switch value {
            case .string(let text): result[key] = text
            case .null: continue
            case .other: throw CallProblem("Argument '\(key)' must be a string.")
            }
        }
        return result
    }

    /// Arguments as strings; anything else is refused.
    static func strings(_ arguments: [String: Value]) throws(CallProblem) -> [String: String] {
        var result: [String: String] = [:]
        for (key, value) in arguments {
            switch value {
            case .string(let text): result[key] = text
            case .null: continue
            default: throw CallProblem("Argument '\(key)' must be a string.")
            }
        }
        return result
    }

    /// The most times one call may run again after temporary failures.
    static let maxCallAttempts = 100

    /// This call's run. The same call repeated answers the same run, unless that run failed for a temporary
    /// cause (`error.retryable`: the CRM unavailable or rate-limited, the customer busy, …): then the repeat
    /// is a new attempt, with the next key of the call's chain (`<key>#2`, `#3`, …). A first call is run at
    /// once: its key is found taken, if it is, as its run opens.
    private func runCall(keyed base: String, action: Action, _ request: (String) -> RunEngine.Request) async throws -> RunRecord {
        var key = base
        for attempt in 2...Self.maxCallAttempts {
            let asked = request(key)
            let run = try await engine.run(asked, action: action)
            guard run.id != asked.runId, run.status == .failed, run.result?.error?.retryable == true else { return run }
            key = base + "#\(attempt)"
        }
        return try await engine.run(request(key), action: action)
    }

    /// The same call repeated by a host (same conversation, tool and arguments) answers the same run.
    static func idempotencyKey(tool: String, conversationId: String?, arguments: [String: String]) -> String {
        let canonical = arguments.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: "\u{1}")
        return "mcp-" + Digests.sha256([tool, conversationId ?? "", canonical].joined(separator: "\u{0}"))
    }
}
