import ContactSyncCore
import Foundation
import Hummingbird
import Testing

/// Conversation routes: message times, the end's final values, ids with `%`.
@Suite("Conversation routes: message times, the end's values, query decoding")
struct ConversationRouteRuleTests {
    @Test("a message at RFC 3339 with fractional seconds is accepted; more than 5 minutes ahead is 422")
    func messageTimes() async throws {
        try await withServer { api in
            let action = try await api.action(.hubspot, allowCreate: true, allowUpdateExisting: true)
            let chat = try await api.conversation(actions: [action])
            let now = Date()
            let fractional = Date.ISO8601FormatStyle(includingFractionalSeconds: true).format(now.addingTimeInterval(-1))
            let accepted = try await api.call(.post, "/v1/conversations/\(chat)/messages", json: #"{"role":"customer","text":"hi","at":"\#(fractional)"}"#)
            #expect(accepted.status == .created)
            let offset = try await api.call(.post, "/v1/conversations/\(chat)/messages", json: #"{"role":"customer","text":"hi","at":"2026-01-01T10:00:00.5+02:00"}"#)
            #expect(offset.status == .created)
            let ahead = Date.ISO8601FormatStyle().format(now.addingTimeInterval(600))
            let refused = try await api.call(.post, "/v1/conversations/\(chat)/messages", json: #"{"role":"customer","text":"hi","at":"\#(ahead)"}"#)
            #expect(refused.status == .unprocessableContent)
            #expect(refused.errorCode == "invalid_message_time")
            let malformed = try await api.call(.post, "/v1/conversations/\(chat)/messages", json: #"{"role":"customer","text":"hi","at":"yesterday"}"#)
            #expect(malformed.status == .badRequest)
        }
    }

    @Test("the end takes final values; an unknown agent field in them is 422 and nothing ends")
    func endTakesFinalValues() async throws {
        try await withServer { api in
            let action = try await api.action(.salesforce, allowCreate: true, allowUpdateExisting: true)
            let call = try await api.conversation(actions: [action], channel: "voice")
            let refused = try await api.call(.post, "/v1/conversations/\(call)/end", json: #"{"attributes":{"nope":"x"}}"#)
            #expect(refused.status == .unprocessableContent)
            #expect(try await api.call(.get, "/v1/conversations/\(call)").json?["endedAt"] is NSNull)
            let ended = try await api.call(.post, "/v1/conversations/\(call)/end", json: #"{"summary":"Wrapped up.","attributes":{"first_name":"Zoe"}}"#)
            #expect(ended.status == .ok)
            #expect(ended.string("summary") == "Wrapped up.")
            #expect((ended.json?["attributes"] as? [String: Any])?["first_name"] as? String == "Zoe")
            #expect(ended.string("endedAt") != nil)
        }
    }

    @Test("query parameters are decoded once: a conversation id containing % filters runs correctly")
    func percentInConversationId() async throws {
        try await withServer { api in
            let action = try await api.action(.hubspot, allowCreate: true, allowUpdateExisting: true)
            let agent = try await api.call(.post, "/v1/agents", json: #"{"name":"A","channel":"text","actionIds":["\#(action)"]}"#).string("id")!
            for id in ["a%41b", "aAb"] {
                #expect(try await api.call(.post, "/v1/conversations", json: #"{"id":"\#(id)","agentId":"\#(agent)"}"#).status == .created)
            }
            #expect(try await api.run(action, conversation: "a%41b", fields: ["email": "pct@example.com"]).string("status") == "succeeded")
            let listed = try await api.call(.get, "/v1/runs?conversationId=a%2541b")
            #expect((listed.json?["items"] as? [Any])?.count == 1)
            let other = try await api.call(.get, "/v1/runs?conversationId=aAb")
            #expect((other.json?["items"] as? [Any])?.count == 0)
        }
    }
}
