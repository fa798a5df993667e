import ContactSyncCore
import ContactSyncStore
import ContactSyncTestSupport
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import Testing

/// The MCP endpoint through the router: conversation binding, results, and tool names that stay put.
@Suite("MCP endpoint: binding, results, tool names")
struct MCPEndpointTests {
    static let accept: HTTPFields = [HTTPField.Name("Accept")!: "application/json, text/event-stream"]

    /// A `tools/call` to the agent's endpoint; returns the JSON-RPC result.
    static func call(_ api: ServerHarness, agent: String, tool: String, arguments: [String: Any], headers: HTTPFields = [:], query: String = "") async throws -> [String: Any] {
        let body: [String: Any] = ["jsonrpc": "2.0", "id": 7, "method": "tools/call", "params": ["name": tool, "arguments": arguments]]
        var fields = accept
        for field in headers { fields.append(field) }
        let answer = try await api.call(
            .post, "/v1/agents/\(agent)/mcp\(query)", json: String(decoding: try JSONSerialization.data(withJSONObject: body), as: UTF8.self), headers: fields)
        #expect(answer.status == .ok)
        return try #require(answer.json?["result"] as? [String: Any])
    }

    /// Another instance, with its own store and memory, writes the configuration with `write`.
    static func elsewhere(_ api: ServerHarness, _ write: (ConfigurationRepository) async throws -> Void) async throws {
        var logger = Logger(label: "elsewhere")
        logger.logLevel = .critical
        let elsewhere = try await Store.open(api.database, logger: logger)
        try await write(ConfigurationRepository(elsewhere))
        try await elsewhere.close()
    }

    static func text(_ result: [String: Any]) -> String { ((result["content"] as? [[String: Any]])?.first?["text"] as? String) ?? "" }

    /// A JSON object written with sorted keys, to compare two answers by content.
    static func canonical(_ object: [String: Any]) throws -> String {
        String(decoding: try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]), as: UTF8.self)
    }

    @Test("conversation binding: header, query or argument; two different ids, or another agent's conversation, are isError; an unknown id starts one")
    func conversationBinding() async throws {
        try await withServer { api in
            let action = try await api.action(.hubspot, allowCreate: true, allowUpdateExisting: true)
            let tool = try #require(try await api.call(.get, "/v1/actions/\(action)").string("toolName"))
            let agent = try #require(try await api.call(.post, "/v1/agents", json: #"{"name":"A","channel":"text","actionIds":["\#(action)"]}"#).string("id"))
            let other = try #require(try await api.call(.post, "/v1/agents", json: #"{"name":"B","channel":"text","actionIds":["\#(action)"]}"#).string("id"))
            let theirs = try #require(try await api.call(.post, "/v1/conversations", json: #"{"id":"theirs","agentId":"\#(other)"}"#).string("id"))

            let byHeader = try await Self.call(api, agent: agent, tool: tool, arguments: ["email": "h@example.com"], headers: [HTTPField.Name("X-Conversation-Id")!: "by-header"])
            #expect(byHeader["isError"] as? Bool != true, "\(Self.text(byHeader))")
            #expect((byHeader["structuredContent"] as? [String: Any])?["conversationId"] as? String == "by-header")
            let started = try await api.call(.get, "/v1/conversations/by-header")
            #expect(started.string("agentId") == agent)

            let byQuery = try await Self.call(api, agent: agent, tool: tool, arguments: ["email": "q@example.com"], query: "?conversationId=by-query")
            #expect((byQuery["structuredContent"] as? [String: Any])?["conversationId"] as? String == "by-query")
            let byArgument = try await Self.call(api, agent: agent, tool: tool, arguments: ["email": "a@example.com", "conversationId": "by-argument"])
            #expect((byArgument["structuredContent"] as? [String: Any])?["conversationId"] as? String == "by-argument")
            let same = try await Self.call(api, agent: agent, tool: tool, arguments: ["email": "s@example.com", "conversationId": "by-header"], headers: [HTTPField.Name("X-Conversation-Id")!: "by-header"])
            #expect(same["isError"] as? Bool != true)

            let two = try await Self.call(api, agent: agent, tool: tool, arguments: ["email": "t@example.com", "conversationId": "one"], headers: [HTTPField.Name("X-Conversation-Id")!: "two"])
            #expect(two["isError"] as? Bool == true)
            #expect(Self.text(two).contains("Two different conversations"))
            let foreign = try await Self.call(api, agent: agent, tool: tool, arguments: ["email": "f@example.com", "conversationId": theirs])
            #expect(foreign["isError"] as? Bool == true)
            #expect(Self.text(foreign).contains("another agent"))
            #expect((try await api.call(.get, "/v1/runs?conversationId=\(theirs)").json?["items"] as? [Any])?.isEmpty == true)
        }
    }

    /// A tool call finds its tool among the agent's actions as runs read them (kept in memory between calls);
    /// another instance's change reaches it through the database (instances share PostgreSQL only).
    @Test("mcpToolChangedElsewhereIsCalledAsStored: a tool another instance renamed is called by its new name at once and runs as stored; one it turned off is not run",
          arguments: Backend.available.filter { $0 == .postgres }, Scenario.both)
    func mcpToolChangedElsewhereIsCalledAsStored(backend: Backend, scenario: Scenario) async throws {
        try await withServer(configure: { $0.services.database = backend.freshLocation() }) { api in
            let action = try await api.action(scenario, allowCreate: true, allowUpdateExisting: true)
            let tool = try #require(try await api.call(.get, "/v1/actions/\(action)").string("toolName"))
            let agent = try #require(try await api.call(.post, "/v1/agents", json: #"{"name":"A","channel":"text","actionIds":["\#(action)"]}"#).string("id"))
            /// Another instance, with its own store and memory, changes the action.
            func changeElsewhere(_ change: (inout Action) -> Void) async throws {
                try await Self.elsewhere(api) { configuration in
                    var changed = try #require(try await configuration.action(id: action)).action
                    change(&changed)
                    try await configuration.updateAction(changed, now: Date())
                }
            }
            let first = try await Self.call(api, agent: agent, tool: tool, arguments: ["email": "first@example.com", "last_name": "First"])
            #expect(first["isError"] as? Bool != true, "\(Self.text(first))")
            try await changeElsewhere { $0.toolName = "save_elsewhere"; $0.allowCreate = false }
            let renamed = try await Self.call(api, agent: agent, tool: "save_elsewhere", arguments: ["email": "second@example.com", "last_name": "Second"])
            #expect(renamed["isError"] as? Bool != true, "\(Self.text(renamed))")
            // The action as stored now: it may no longer create.
            #expect((renamed["structuredContent"] as? [String: Any])?["outcome"] as? String == "skipped")
            try await changeElsewhere { $0.enabled = false; $0.allowCreate = true }
            let contacts = try await api.contactCount(scenario.crm)
            let off = try await Self.call(api, agent: agent, tool: "save_elsewhere", arguments: ["email": "third@example.com", "last_name": "Third"])
            #expect(off["isError"] as? Bool == true)
            let failed = try #require(off["structuredContent"] as? [String: Any])
            #expect((failed["error"] as? [String: Any])?["code"] as? String == "tool_not_offered", "\(Self.text(off))")
            #expect(try await api.contactCount(scenario.crm) == contacts)
        }
    }

    /// A tool call reads its agent as runs read actions (kept in memory between calls); another instance's
    /// change to the agent reaches it through the database.
    @Test("mcpAgentChangedElsewhereIsCalledAsStored: a tool another instance took from the agent is not run; one it gave the agent is called at once",
          arguments: Backend.available.filter { $0 == .postgres }, Scenario.both)
    func mcpAgentChangedElsewhereIsCalledAsStored(backend: Backend, scenario: Scenario) async throws {
        try await withServer(configure: { $0.services.database = backend.freshLocation() }) { api in
            let action = try await api.action(scenario, allowCreate: true, allowUpdateExisting: true)
            let tool = try #require(try await api.call(.get, "/v1/actions/\(action)").string("toolName"))
            let other = try await api.action(scenario, allowCreate: true, allowUpdateExisting: true)
            let otherTool = try #require(try await api.call(.get, "/v1/actions/\(other)").string("toolName"))
            let agent = try #require(try await api.call(.post, "/v1/agents", json: #"{"name":"A","channel":"text","actionIds":["\#(action)"]}"#).string("id"))
            let first = try await Self.call(api, agent: agent, tool: tool, arguments: ["email": "first@example.com", "last_name": "First"])
            #expect(first["isError"] as? Bool != true, "\(Self.text(first))")
            // Another instance gives the agent the other action instead.
            try await Self.elsewhere(api) { configuration in
                var changed = try #require(try await configuration.agent(id: agent)).agent
                changed.actionIds = [other]
                try await configuration.updateAgent(changed, now: Date())
            }

            let contacts = try await api.contactCount(scenario.crm)
            let taken = try await Self.call(api, agent: agent, tool: tool, arguments: ["email": "second@example.com", "last_name": "Second"])
            #expect(taken["isError"] as? Bool == true)
            let failed = try #require(taken["structuredContent"] as? [String: Any], "\(Self.text(taken))")
            #expect((failed["error"] as? [String: Any])?["code"] as? String == "tool_not_offered", "\(Self.text(taken))")
            #expect(try await api.contactCount(scenario.crm) == contacts)
            let given = try await Self.call(api, agent: agent, tool: otherTool, arguments: ["email": "third@example.com", "last_name": "Third"])
            #expect(given["isError"] as? Bool != true, "\(Self.text(given))")
            #expect((given["structuredContent"] as? [String: Any])?["outcome"] as? String == "created")
            let listed = try await api.call(
                .post, "/v1/agents/\(agent)/mcp", json: #"{"jsonrpc":"2.0","id":8,"method":"tools/list"}"#, headers: Self.accept)
            let names = ((listed.json?["result"] as? [String: Any])?["tools"] as? [[String: Any]])?.compactMap { $0["name"] as? String }
            #expect(names == [otherTool])
        }
    }

    @Test("bad arguments are isError results, never transport errors; a run's result carries the Run and a sentence")
    func argumentsAndResults() async throws {
        try await withServer { api in
            let action = try await api.action(.salesforce, allowCreate: true, allowUpdateExisting: true)
            let tool = try #require(try await api.call(.get, "/v1/actions/\(action)").string("toolName"))
            let agent = try #require(try await api.call(.post, "/v1/agents", json: #"{"name":"A","channel":"text","actionIds":["\#(action)"]}"#).string("id"))
            let missing = try await Self.call(api, agent: agent, tool: tool, arguments: ["first_name": "X"])
            #expect(missing["isError"] as? Bool == true)
            #expect(Self.text(missing).contains("Missing required arguments: email, last_name"))
            let typed = try await Self.call(api, agent: agent, tool: tool, arguments: ["email": 5, "last_name": "L"])
            #expect(Self.text(typed).contains("must be a string"))
            let unknown = try await Self.call(api, agent: agent, tool: tool, arguments: ["email": "u@example.com", "last_name": "L", "shoe_size": "44"])
            #expect(Self.text(unknown).contains("Unknown arguments: shoe_size"))
            let nowhere = try await Self.call(api, agent: agent, tool: "no_such_tool", arguments: [:])
            #expect(nowhere["isError"] as? Bool == true)
            let created = try await Self.call(api, agent: agent, tool: tool, arguments: ["email": "ok@example.com", "last_name": "Ok"])
            #expect(created["isError"] as? Bool != true)
            #expect(Self.text(created).hasPrefix("Created the contact in Salesforce.\n{"))
            let run = try #require(created["structuredContent"] as? [String: Any])
            #expect(run["outcome"] as? String == "created")
            // The structured Run and the Run JSON in the text are the Run as the REST API answers it.
            let runId = try #require(run["id"] as? String)
            let stored = try #require(try await api.call(.get, "/v1/runs/\(runId)").json)
            #expect(stored["status"] as? String == "succeeded")
            #expect(try Self.canonical(run) == Self.canonical(stored))
            let textJSON = try #require(Self.text(created).split(separator: "\n", maxSplits: 1).last)
            let inText = try #require(try JSONSerialization.jsonObject(with: Data(textJSON.utf8)) as? [String: Any])
            #expect(try Self.canonical(inText) == Self.canonical(stored))
        }
    }

    @Test("mcpRepeatAfterRetryableFailureRunsAgain: a repeated call whose run failed for a temporary cause runs again; a succeeded or skipped run is answered as it was", arguments: Scenario.both)
    func mcpRepeatAfterRetryableFailureRunsAgain(_ scenario: Scenario) async throws {
        // Without a retry window a run that failed for a temporary cause stays failed: the repeat is what runs it again.
        try await withServer(configure: {
            $0.services.crmRetry = RetryPolicy(maxAttempts: 2, backoff: Backoff(base: .milliseconds(1), max: .milliseconds(5)))
            $0.services.runs.retryWindow = 0
        }) { api in
            let action = try await api.action(scenario, allowCreate: true, allowUpdateExisting: true)
            let tool = try #require(try await api.call(.get, "/v1/actions/\(action)").string("toolName"))
            let agent = try #require(try await api.call(.post, "/v1/agents", json: #"{"name":"A","channel":"text","actionIds":["\#(action)"]}"#).string("id"))
            let arguments: [String: Any] = ["email": "again@example.com", "last_name": "Again", "conversationId": "repeat-chat"]
            try await api.emulator(api.baseURL(scenario.crm), .POST, "/_emulator/faults", json: #"{"rate5xx":1}"#)
            let failed = try #require(try await Self.call(api, agent: agent, tool: tool, arguments: arguments)["structuredContent"] as? [String: Any])
            #expect(failed["status"] as? String == "failed")
            #expect((failed["error"] as? [String: Any])?["retryable"] as? Bool == true)
            try await api.emulator(api.baseURL(scenario.crm), .POST, "/_emulator/faults", json: "{}")
            let again = try #require(try await Self.call(api, agent: agent, tool: tool, arguments: arguments)["structuredContent"] as? [String: Any])
            #expect(again["status"] as? String == "succeeded")
            #expect(again["outcome"] as? String == "created")
            #expect(again["id"] as? String != failed["id"] as? String)
            let third = try #require(try await Self.call(api, agent: agent, tool: tool, arguments: arguments)["structuredContent"] as? [String: Any])
            #expect(third["id"] as? String == again["id"] as? String)
            // A run that was skipped (no email) is answered as it was, however often the call repeats.
            let skipArguments: [String: Any] = ["email": "not-an-email", "last_name": "Skip", "conversationId": "repeat-chat"]
            let skipped = try #require(try await Self.call(api, agent: agent, tool: tool, arguments: skipArguments)["structuredContent"] as? [String: Any])
            let skippedAgain = try #require(try await Self.call(api, agent: agent, tool: tool, arguments: skipArguments)["structuredContent"] as? [String: Any])
            #expect(skipped["outcome"] as? String == "skipped")
            #expect(skippedAgain["id"] as? String == skipped["id"] as? String)
            #expect(try await api.call(.get, "/v1/runs?conversationId=repeat-chat").items.count == 3)
        }
    }

    @Test("mcpArgumentsReachTheRunAsSent: a string that looks like a data URL reaches the run and the CRM exactly as the model sent it", arguments: Scenario.both)
    func mcpArgumentsReachTheRunAsSent(_ scenario: Scenario) async throws {
        try await withServer { api in
            let action = try await api.action(scenario, allowCreate: true, allowUpdateExisting: true)
            let tool = try #require(try await api.call(.get, "/v1/actions/\(action)").string("toolName"))
            let agent = try #require(try await api.call(.post, "/v1/agents", json: #"{"name":"A","channel":"text","actionIds":["\#(action)"]}"#).string("id"))
            let result = try await Self.call(api, agent: agent, tool: tool, arguments: [
                "email": "data@example.com", "first_name": "data:,Acme", "last_name": "data:text/plain;base64,QWNtZQ==", "conversationId": "data-chat",
            ])
            #expect(result["isError"] as? Bool != true, "\(Self.text(result))")
            let run = try #require(result["structuredContent"] as? [String: Any])
            #expect(run["status"] as? String == "succeeded")
            let id = try #require(run["crmRecordId"] as? String)
            let record = try await api.record(scenario.crm, id)
            #expect(record[scenario.firstName] as? String == "data:,Acme")
            #expect(record[scenario.lastName] as? String == "data:text/plain;base64,QWNtZQ==")
        }
    }

    @Test("toolName stays when the action or a sibling is renamed; it changes only on purpose; taken or malformed names are refused")
    func toolNameStability() async throws {
        try await withServer { api in
            let first = try await api.action(.hubspot, allowCreate: true, allowUpdateExisting: true, name: "Save contact")
            let second = try await api.action(.hubspot, allowCreate: true, allowUpdateExisting: true, name: "Save contact")
            #expect(try await api.call(.get, "/v1/actions/\(first)").string("toolName") == "save_contact")
            #expect(try await api.call(.get, "/v1/actions/\(second)").string("toolName") == "save_contact_2")
            let account = try await api.accountId(ofAction: first)
            let renamed = #"{"template":"hubspot.upsert_contact","name":"Something else","intent":"i","accountId":"\#(account)","mappings":[{"crmField":"email","agentField":"email"}]}"#
            #expect(try await api.call(.put, "/v1/actions/\(first)", json: renamed).string("toolName") == "save_contact")
            #expect(try await api.call(.get, "/v1/actions/\(second)").string("toolName") == "save_contact_2")
            let chosen = #"{"template":"hubspot.upsert_contact","name":"Something else","intent":"i","accountId":"\#(account)","toolName":"save_lead","mappings":[{"crmField":"email","agentField":"email"}]}"#
            #expect(try await api.call(.put, "/v1/actions/\(first)", json: chosen).string("toolName") == "save_lead")
            let taken = chosen.replacingOccurrences(of: "save_lead", with: "save_contact_2")
            let conflict = try await api.call(.put, "/v1/actions/\(first)", json: taken)
            #expect(conflict.status == .conflict)
            #expect(conflict.errorCode == "tool_name_taken")
            let malformed = try await api.call(.put, "/v1/actions/\(first)", json: chosen.replacingOccurrences(of: "save_lead", with: "Save Lead"))
            #expect(malformed.status == .unprocessableContent)
            #expect(try await api.call(.get, "/v1/actions/\(first)").string("toolName") == "save_lead")
        }
    }
}
