import Foundation
import HTTPTypes
import Testing

/// Every log line a run causes, the CRM calls' included, carries the run's ids; no token is ever logged.
@Suite("Operations: a run's log lines")
struct RunLogTests {
    @Test("a run's log lines all carry run_id, action_id and conversation_id, for both CRMs, and no token")
    func runLines() async throws {
        let sink = LogSink()
        try await withServer(logSink: sink) { api in
            for scenario in Scenario.both {
                let token = "test-log-\(scenario.crm.rawValue)"
                let body = scenario.crm == .hubspot
                    ? #"{"crm":"hubspot","name":"Log","accessToken":"\#(token)","baseURL":"\#(api.hubspotURL)"}"#
                    : #"{"crm":"salesforce","name":"Log","accessToken":"\#(token)","instanceURL":"\#(api.salesforceURL)"}"#
                let account = try #require(try await api.call(.post, "/v1/accounts", json: body).string("id"))
                let action = try await api.action(scenario, allowCreate: true, allowUpdateExisting: true, account: account)
                let agent = try #require(try await api.call(.post, "/v1/agents", json: #"{"name":"A","channel":"text","actionIds":["\#(action)"]}"#).string("id"))
                let conversation = try #require(try await api.call(.post, "/v1/conversations", json: #"{"agentId":"\#(agent)"}"#).string("id"))
                sink.lines.withLock { $0.removeAll() }
                let run = try await api.call(
                    .post, "/v1/actions/\(action)/runs",
                    json: #"{"conversationId":"\#(conversation)","fields":{"email":"log@\#(scenario.crm.rawValue).example","last_name":"Log"},"summary":"Logged."}"#)
                let runId = try #require(run.string("id"))
                let lines = sink.lines.withLock { $0 }
                let runLines = lines.filter { $0.contains("crm call") || $0.contains("run finished") }
                #expect(runLines.filter { $0.contains("crm call") }.count >= 2, "\(lines)")
                for line in runLines {
                    #expect(line.contains("\"run_id\": \(runId)"), "\(line)")
                    #expect(line.contains("\"action_id\": \(action)"), "\(line)")
                    #expect(line.contains("\"conversation_id\": \(conversation)"), "\(line)")
                }
                #expect(!sink.text.contains(token))
            }
        }
    }
}
