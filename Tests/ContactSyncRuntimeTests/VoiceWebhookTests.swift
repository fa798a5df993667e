import ContactSyncCore
import ContactSyncRuntime
import ContactSyncTestSupport
import Foundation
import Testing

/// Voice platforms' deliveries become voice conversations, once, whatever their order (ARCHITECTURE §13).
@Suite("Voice platforms: deliveries to an agent's webhook")
struct VoiceWebhookTests {
    static let crms: [CRM] = [.hubspot, .salesforce]
    static let secret = "key_test_retell"

    /// A Retell delivery of `event` for call `id`, signed now.
    static func retell(_ rt: Runtime, _ event: String, id: String, email: String, analysis: String? = nil, secret: String = secret) -> (body: [UInt8], headers: [String: String]) {
        let analysisJSON = analysis.map { #","call_analysis":\#($0)"# } ?? ""
        let body = Array(#"""
            {"event":"\#(event)","call":{"call_id":"\#(id)","direction":"inbound","from_number":"+14155550142","to_number":"+14155550100",\#
            "start_timestamp":\#(Int64(rt.clock.now.timeIntervalSince1970 * 1000) - 60_000),\#
            "transcript_object":[{"role":"agent","content":"May I have your email?"},{"role":"user","content":"It is \#(email)"}]\#(analysisJSON)}}
            """#.utf8)
        let headers = WebhookSignature.sign(.retell, body: body, secret: secret, at: rt.clock.now)
        return (body, Dictionary(uniqueKeysWithValues: headers.map { ($0.key.lowercased(), $0.value) }))
    }

    static func connected(_ rt: Runtime, _ crm: CRM) async throws -> (agent: String, action: String) {
        let account = try await rt.account(crm)
        let action = try await rt.action(crm, account: account, offline: true)
        let agent = try await rt.agent(.voice, actions: [action])
        _ = try await rt.voice.connect(
            agentId: agent, platform: .retell, secret: secret, mapping: [.init(key: "first", agentField: "first_name"), .init(key: "last", agentField: "last_name")],
            callerPhoneField: "phone")
        return (agent, action)
    }

    @Test("redeliveryChangesNothing: the same delivery twice is one conversation, one transcript, one run", arguments: Backend.available, crms)
    func redeliveryChangesNothing(backend: Backend, crm: CRM) async throws {
        try await withRuntime(backend) { rt in
            let (agent, _) = try await Self.connected(rt, crm)
            let analysis = #"{"call_summary":"Wants a demo.","custom_analysis_data":{"first":"Ada","last":"Lovelace"}}"#
            let delivery = Self.retell(rt, "call_analyzed", id: "c1", email: "ada.voice@example.com", analysis: analysis)
            let first = try await rt.voice.receive(agentId: agent, platform: .retell, body: delivery.body, headers: delivery.headers)
            #expect(first.status == .accepted && first.conversationId == "retell:c1")
            let again = try await rt.voice.receive(agentId: agent, platform: .retell, body: delivery.body, headers: delivery.headers)
            #expect(again.status == .duplicate)
            let conversation = try await rt.conversations.conversation(id: "retell:c1")
            #expect(conversation.channel == .voice && conversation.platform == .retell && conversation.endedAt != nil)
            #expect(conversation.messageCount == 2)
            #expect(conversation.attributes == ["first_name": "Ada", "last_name": "Lovelace", "phone": "+14155550142"])
            #expect(conversation.summary == "Wants a demo.")
            try await rt.offline.tick()
            _ = try await rt.voice.receive(agentId: agent, platform: .retell, body: delivery.body, headers: delivery.headers)
            try await rt.offline.tick()
            let runs = try await rt.runs(conversation: "retell:c1")
            #expect(runs.count == 1)
            let run = try #require(runs.first)
            #expect(run.status == .succeeded && run.result?.outcome == .created)
            let firstName = crm == .hubspot ? "firstname" : "FirstName"
            #expect(run.result?.valueSources?[firstName] == "platform")
            #expect(try await rt.contacts(crm, email: "ada.voice@example.com").count == 1)
            let deliveries = try await rt.voice.deliveries(agentId: agent).map(\.status)
            #expect(deliveries == [.duplicate, .duplicate, .accepted])
        }
    }

    @Test("analysis before the end reaches the state the usual order reaches", arguments: Backend.available, crms)
    func analysisBeforeTheEnd(backend: Backend, crm: CRM) async throws {
        try await withRuntime(backend) { rt in
            let (agent, _) = try await Self.connected(rt, crm)
            let analysis = #"{"call_summary":"Wants a demo.","custom_analysis_data":{"first":"Ada","last":"Lovelace"}}"#
            for (id, order) in [("inorder", ["call_ended", "call_analyzed"]), ("reversed", ["call_analyzed", "call_ended"])] {
                for event in order {
                    let delivery = Self.retell(rt, event, id: id, email: "\(id)@example.com", analysis: event == "call_analyzed" ? analysis : nil)
                    #expect(try await rt.voice.receive(agentId: agent, platform: .retell, body: delivery.body, headers: delivery.headers).status == .accepted)
                    try await rt.offline.tick()
                    rt.clock.advance(3)
                    try await rt.offline.tick()
                }
            }
            let summary = crm == .hubspot ? "ai_conversation_summary" : "Conversation_Summary__c"
            let firstName = crm == .hubspot ? "firstname" : "FirstName"
            var states: [[String?]] = []
            for id in ["inorder", "reversed"] {
                let contacts = try await rt.contacts(crm, email: "\(id)@example.com")
                #expect(contacts.count == 1)
                let contact = try #require(contacts.first)
                states.append([try await rt.contactField(crm, id: contact, field: firstName), try await rt.contactField(crm, id: contact, field: summary)])
                #expect(try await rt.runs(conversation: "retell:\(id)").allSatisfy { $0.status == .succeeded })
            }
            #expect(states[0] == ["Ada", "Wants a demo."])
            #expect(states[0] == states[1])
        }
    }

    @Test("a wrong, stale or missing signature is refused and stores nothing; without a connection nothing can be checked", arguments: Backend.available)
    func refusals(backend: Backend) async throws {
        try await withRuntime(backend) { rt in
            let (agent, _) = try await Self.connected(rt, .hubspot)
            let good = Self.retell(rt, "call_ended", id: "forged", email: "eve@example.com")
            let wrong = Self.retell(rt, "call_ended", id: "forged", email: "eve@example.com", secret: "key_other")
            rt.clock.advance(-400)
            let stale = Self.retell(rt, "call_ended", id: "forged", email: "eve@example.com")
            rt.clock.advance(400)
            var tampered = good.body
            tampered[tampered.count - 3] = UInt8(ascii: "X")
            for (body, headers) in [(wrong.body, wrong.headers), (stale.body, stale.headers), (good.body, [:]), (tampered, good.headers)] {
                let error = await #expect(throws: ServiceError.self) { _ = try await rt.voice.receive(agentId: agent, platform: .retell, body: body, headers: headers) }
                #expect(error?.code == .invalidSignature && error?.kind == .unauthorized)
            }
            await #expect(throws: ServiceError.self) { _ = try await rt.conversations.conversation(id: "retell:forged") }
            #expect(try await rt.voice.deliveries(agentId: agent).map(\.reason) == ["wrong signature", "no signature", "stale timestamp", "wrong signature"])
            // An agent without a connection, or none at all: the same 401.
            let bare = try await rt.agent(.voice, actions: [])
            for agentId in [bare, "agt_missing"] {
                let error = await #expect(throws: ServiceError.self) { _ = try await rt.voice.receive(agentId: agentId, platform: .retell, body: good.body, headers: good.headers) }
                #expect(error?.code == .invalidSignature)
            }
            // Validly signed, but for another platform than the agent's: 404.
            let error = await #expect(throws: ServiceError.self) {
                _ = try await rt.voice.receive(agentId: agent, platform: .elevenlabs, body: good.body, headers: [
                    "elevenlabs-signature": WebhookSignature.sign(.elevenlabs, body: good.body, secret: Self.secret, at: rt.clock.now)["ElevenLabs-Signature"]!,
                ])
            }
            #expect(error?.code == .platformNotConnected && error?.kind == .notFound)
        }
    }

    @Test("a connection needs a secret and known agent fields; a mapped field cannot be deleted", arguments: Backend.available)
    func connections(backend: Backend) async throws {
        try await withRuntime(backend) { rt in
            let agent = try await rt.agent(.voice, actions: [])
            let error = await #expect(throws: ServiceError.self) {
                _ = try await rt.voice.connect(agentId: agent, platform: .vapi, secret: " ", mapping: [.init(key: "x", agentField: "nope")], callerPhoneField: "nada")
            }
            #expect(error?.code == .invalidPlatformConnection)
            #expect(Set(error?.details.map(\.code) ?? []) == ["invalid_secret", "unknown_agent_field"])
            _ = try await rt.configuration.createAgentField(key: "plan", label: "Plan", contactAttribute: false)
            let saved = try await rt.voice.connect(agentId: agent, platform: .vapi, secret: "s", mapping: [.init(key: "plan", agentField: "plan")], callerPhoneField: nil)
            #expect(try await rt.voice.connection(agentId: agent) == saved)
            let inUse = await #expect(throws: ServiceError.self) { try await rt.configuration.deleteAgentField(key: "plan") }
            #expect(inUse?.code == .fieldInUse)
            try await rt.voice.disconnect(agentId: agent)
            try await rt.configuration.deleteAgentField(key: "plan")
            await #expect(throws: ServiceError.self) { _ = try await rt.voice.connection(agentId: agent) }
        }
    }
}
