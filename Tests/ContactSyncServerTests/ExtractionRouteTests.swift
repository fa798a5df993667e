import Foundation
import HTTPTypes
import Testing

/// An agent's `extraction` settings through the API, and a run's `valueSources` and `evidence` (ARCHITECTURE §11).
@Suite("Conversation intelligence through the API")
struct ExtractionRouteTests {
    @Test("agents take extraction settings (defaults: rules, US, summaries); unknown countries are 422; updates keep what is left out")
    func extractionSettings() async throws {
        try await withServer { api in
            let plain = try await api.call(.post, "/v1/agents", json: #"{"name":"A","channel":"text"}"#)
            #expect(plain.status == .created)
            let defaults = try #require(plain.json?["extraction"] as? [String: Any])
            #expect(defaults["mode"] as? String == "rules")
            #expect(defaults["defaultCountry"] as? String == "US")
            #expect(defaults["generateSummary"] as? Bool == true)
            let uk = try await api.call(.post, "/v1/agents", json: #"{"name":"B","channel":"voice","extraction":{"mode":"model","defaultCountry":"gb","generateSummary":false}}"#)
            #expect(uk.status == .created)
            let id = try #require(uk.string("id"))
            let stored = try #require(try await api.call(.get, "/v1/agents/\(id)").json?["extraction"] as? [String: Any])
            #expect(stored["mode"] as? String == "model")
            #expect(stored["defaultCountry"] as? String == "GB")
            #expect(stored["generateSummary"] as? Bool == false)
            let updated = try await api.call(.put, "/v1/agents/\(id)", json: #"{"name":"B2","channel":"voice","extraction":{"mode":"off"}}"#)
            let kept = try #require(updated.json?["extraction"] as? [String: Any])
            #expect(kept["mode"] as? String == "off")
            #expect(kept["defaultCountry"] as? String == "GB")
            let unchanged = try await api.call(.put, "/v1/agents/\(id)", json: #"{"name":"B3","channel":"voice"}"#)
            #expect((unchanged.json?["extraction"] as? [String: Any])?["mode"] as? String == "off")
            let unknown = try await api.call(.post, "/v1/agents", json: #"{"name":"C","channel":"text","extraction":{"defaultCountry":"XX"}}"#)
            #expect(unknown.status == .unprocessableContent)
            #expect(unknown.details.contains { $0["code"] as? String == "unknown_country" })
            let badMode = try await api.call(.post, "/v1/agents", json: #"{"name":"C","channel":"text","extraction":{"mode":"guess"}}"#)
            #expect(badMode.status == .badRequest)
        }
    }

    @Test("a run shows where each value came from and the customer's words for extracted ones")
    func runShowsSources() async throws {
        try await withServer { api in
            let action = try await api.action(.salesforce, allowCreate: true, allowUpdateExisting: true)
            let agent = try #require(try await api.call(.post, "/v1/agents", json: #"{"name":"A","channel":"voice","actionIds":["\#(action)"]}"#).string("id"))
            let conversation = try #require(try await api.call(.post, "/v1/conversations", json: #"{"agentId":"\#(agent)"}"#).string("id"))
            try await api.call(.post, "/v1/conversations/\(conversation)/messages", json: #"{"role":"customer","text":"hi, my name is Grace Hopper"}"#)
            let run = try await api.call(.post, "/v1/actions/\(action)/runs", json: #"{"conversationId":"\#(conversation)","fields":{"email":"grace@navy.example"}}"#)
            #expect(run.string("status") == "succeeded")
            let sources = try #require(run.json?["valueSources"] as? [String: String])
            #expect(sources["Email"] == "run_input")
            #expect(sources["FirstName"] == "extracted")
            #expect(sources["LastName"] == "extracted")
            let evidence = try #require(run.json?["evidence"] as? [[String: Any]])
            #expect(evidence.contains { $0["agentField"] as? String == "last_name" && $0["messageIndex"] as? Int == 0 && $0["quote"] as? String == "my name is Grace Hopper" })
        }
    }
}
