import ContactSyncCore
import ContactSyncRuntime
import ContactSyncStore
import ContactSyncTestSupport
import Foundation
import Testing

/// Conversation intelligence in runs (ARCHITECTURE §9): values the platform left empty come from the transcript,
/// with where each came from and the customer's words as evidence; platform values always win.
@Suite("Conversation intelligence: extracted values in runs")
struct ExtractionTests {
    static let transcript: [(String, String)] = [
        ("agent", "Hi! Who am I speaking with? Our support address is help@vendor.example."),
        ("customer", "Hi, my name is Jane Doe."),
        ("agent", "What's the best email for you?"),
        ("customer", "it's jane.doe@example.com"),
    ]

    func chat(_ rt: Runtime, agent: String, attributes: [String: String] = [:]) async throws -> String {
        let chat = try await rt.conversation(agent: agent, attributes: attributes)
        for (role, text) in Self.transcript { _ = try await rt.conversations.addMessage(conversationId: chat, role: role, text: text, at: nil) }
        return chat
    }

    @Test("extractedValuesSyncOfflineContacts: a text conversation whose attributes were never set syncs from its transcript, for both CRMs",
          arguments: Backend.available)
    func extractedValuesSyncOfflineContacts(backend: Backend) async throws {
        try await withRuntime(backend) { rt in
            for crm in CRM.allCases {
                let action = try await rt.action(crm, account: try await rt.account(crm), offline: true, summary: false)
                let agent = try await rt.agent(.text, actions: [action])
                let chat = try await chat(rt, agent: agent)
                rt.clock.advance(600)
                try await rt.offline.tick()
                let run = try #require(try await rt.runs(conversation: chat).first)
                #expect(run.status == .succeeded)
                #expect(run.result?.outcome == .created)
                let names = crm == .hubspot ? ("email", "firstname", "lastname") : ("Email", "FirstName", "LastName")
                #expect(run.result?.valueSources == [names.0: "extracted", names.1: "extracted", names.2: "extracted"])
                let evidence = run.result?.evidence ?? []
                // Each answered the agent's question just before it.
                #expect(evidence.contains(Evidence(agentField: "email", messageIndex: 3, quote: "jane.doe@example.com", questionIndex: 2)))
                #expect(evidence.contains(Evidence(agentField: "first_name", messageIndex: 1, quote: "my name is Jane Doe", questionIndex: 0)))
                #expect(evidence.contains(Evidence(agentField: "last_name", messageIndex: 1, quote: "my name is Jane Doe", questionIndex: 0)))
                let contact = try #require(try await rt.contacts(crm, email: "jane.doe@example.com").first)
                #expect(try await rt.contactField(crm, id: contact, field: names.1) == "Jane")
                #expect(try await rt.contactField(crm, id: contact, field: names.2) == "Doe")
                #expect(try await rt.contacts(crm, email: "help@vendor.example").isEmpty)
            }
        }
    }

    @Test("platformValuesWinOverExtracted: a value the platform supplied is never replaced by one from the transcript", arguments: Backend.available)
    func platformValuesWinOverExtracted(backend: Backend) async throws {
        try await withRuntime(backend) { rt in
            for crm in CRM.allCases {
                let action = try await rt.action(crm, account: try await rt.account(crm), offline: true, summary: false)
                let agent = try await rt.agent(.text, actions: [action])
                let email = "platform-\(crm.rawValue)@example.com"
                let chat = try await chat(rt, agent: agent, attributes: ["email": email, "first_name": "Janet"])
                rt.clock.advance(600)
                try await rt.offline.tick()
                let run = try #require(try await rt.runs(conversation: chat).first)
                let names = crm == .hubspot ? ("email", "firstname", "lastname") : ("Email", "FirstName", "LastName")
                #expect(run.result?.valueSources == [names.0: "conversation", names.1: "conversation", names.2: "extracted"])
                #expect(run.result?.evidence?.map(\.agentField) == ["last_name"])
                let contact = try #require(try await rt.contacts(crm, email: email).first)
                #expect(try await rt.contactField(crm, id: contact, field: names.1) == "Janet")
                #expect(try await rt.contacts(crm, email: "jane.doe@example.com").isEmpty)
            }
        }
    }

    @Test("extractionOffTakesNothing: an agent with extraction off syncs only what the platform sent", arguments: Backend.available)
    func extractionOffTakesNothing(backend: Backend) async throws {
        try await withRuntime(backend) { rt in
            let action = try await rt.action(.hubspot, account: try await rt.account(.hubspot), offline: true, summary: false)
            let agent = try await rt.configuration.createAgent(
                name: "Quiet", channel: .text, actionIds: [action], extraction: ExtractionSettings(mode: .off)).agent.id
            let chat = try await chat(rt, agent: agent)
            rt.clock.advance(600)
            try await rt.offline.tick()
            let run = try #require(try await rt.runs(conversation: chat).first)
            #expect(run.result?.outcome == .skipped)
            #expect(run.result?.reason == .missingEmail)
        }
    }

    @Test("in-conversation runs fill an empty mapped value from the transcript, for both CRMs", arguments: Backend.available)
    func inConversationFillsEmptyValues(backend: Backend) async throws {
        try await withRuntime(backend) { rt in
            for crm in CRM.allCases {
                let action = try await rt.action(crm, account: try await rt.account(crm), offline: false, summary: false)
                let agent = try await rt.agent(.voice, actions: [action])
                let chat = try await chat(rt, agent: agent)
                let email = "caller-\(crm.rawValue)@example.com"
                let run = try await rt.engine.run(RunEngine.Request(actionId: action, conversationId: chat, input: RunInput(fields: ["email": email])))
                #expect(run.status == .succeeded)
                let names = crm == .hubspot ? ("email", "firstname", "lastname") : ("Email", "FirstName", "LastName")
                #expect(run.result?.valueSources == [names.0: "run_input", names.1: "extracted", names.2: "extracted"])
                let contact = try #require(try await rt.contacts(crm, email: email).first)
                #expect(try await rt.contactField(crm, id: contact, field: names.2) == "Doe")
            }
        }
    }
}

/// The model in runs: it fills the other fields and the summary; when it fails, the rules' values still apply.
@Suite("Conversation intelligence: the model in runs")
struct ModelInRunsTests {
    static func engine(_ rt: Runtime, url: String) -> RunEngine {
        var settings = ModelExtractor.Settings(baseURL: url, apiKey: "sk-test", model: "test-model")
        settings.maxAttempts = 2
        settings.maxRetryWait = .milliseconds(10)
        return RunEngine(repositories: rt.repositories, connectors: rt.connectors, logger: Runtime.quiet, model: ModelExtractor(settings: settings, client: .shared, logger: Runtime.quiet), now: rt.clock.closure)
    }

    func chat(_ rt: Runtime, action: String) async throws -> String {
        let agent = try await rt.configuration.createAgent(name: "M", channel: .voice, actionIds: [action], extraction: ExtractionSettings(mode: .model)).agent.id
        let chat = try await rt.conversation(agent: agent, attributes: [:])
        for text in ["my name is Ada Lovelace, ada@engines.example", "I work at Analytical Engines Ltd"] {
            _ = try await rt.conversations.addMessage(conversationId: chat, role: "customer", text: text, at: nil)
        }
        return chat
    }

    @Test("the model fills a custom field and the summary; the rules' values stay", arguments: Backend.available)
    func modelFills(backend: Backend) async throws {
        try await withRuntime(backend) { rt in
            let account = try await rt.account(.salesforce)
            let action = try await rt.configuration.createAction(Action(
                id: "", template: "salesforce.upsert_contact", name: "Model", intent: "sync", offlineSync: false, accountId: account,
                allowCreate: true, allowUpdateExisting: true,
                mappings: [
                    FieldMapping(crmField: "Email", agentField: "email"), FieldMapping(crmField: "LastName", agentField: "last_name"),
                    FieldMapping(crmField: "Department", agentField: "company"), FieldMapping(crmField: "Conversation_Summary__c", agentField: "summary"),
                ])).action.id
            let chat = try await chat(rt, action: action)
            let model = ScriptedModel([ScriptedModel.completion(#"{"company":{"value":"Analytical Engines Ltd","quote":"I work at Analytical Engines Ltd"},"summary":"Ada wants a demo."}"#)])
            let run = try await model.serve { url in
                try await Self.engine(rt, url: url).run(RunEngine.Request(actionId: action, conversationId: chat, input: RunInput()))
            }
            #expect(run.status == .succeeded)
            #expect(run.result?.valueSources == ["Email": "extracted", "LastName": "extracted", "Department": "extracted", "Conversation_Summary__c": "extracted"])
            let contact = try #require(try await rt.contacts(.salesforce, email: "ada@engines.example").first)
            #expect(try await rt.contactField(.salesforce, id: contact, field: "Department") == "Analytical Engines Ltd")
            #expect(try await rt.contactField(.salesforce, id: contact, field: "Conversation_Summary__c") == "Ada wants a demo.")
            // The model was asked only for what the rules could not take.
            let asked = try #require(model.requests.first)
            let schema = ((asked["response_format"] as? [String: Any])?["json_schema"] as? [String: Any])?["schema"] as? [String: Any]
            #expect(schema?["required"] as? [String] == ["company", "summary"])
        }
    }

    @Test("when the model fails, the rules' values still apply", arguments: Backend.available)
    func modelFails(backend: Backend) async throws {
        try await withRuntime(backend) { rt in
            let action = try await rt.action(.hubspot, account: try await rt.account(.hubspot), offline: false)
            let chat = try await chat(rt, action: action)
            let model = ScriptedModel([ScriptedModel.error(503), ScriptedModel.error(503)])
            let run = try await model.serve { url in
                try await Self.engine(rt, url: url).run(RunEngine.Request(actionId: action, conversationId: chat, input: RunInput()))
            }
            #expect(run.status == .succeeded)
            #expect(run.result?.outcome == .created)
            #expect(run.result?.valueSources == ["email": "extracted", "firstname": "extracted", "lastname": "extracted"])
            #expect(model.requests.count == 2)
        }
    }
}
