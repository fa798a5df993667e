import ContactSyncCore
import ContactSyncRuntime
import ContactSyncTestSupport
import Foundation
import Testing

/// Offline runs fill phone, email and names from a question-and-answer transcript (DESIGN §10): each value
/// `extracted`, its evidence quoting the customer's answer and naming the agent's question.
@Suite("Conversation intelligence: question-and-answer transcripts in runs")
struct QuestionAnswerRunTests {
    struct Transcript: Sendable, CustomTestStringConvertible {
        let language: String
        let country: String
        let channel: AgentChannel
        let messages: [(String, String)]
        let email: String
        let phone: String
        let first: String
        let last: String
        /// The customer message each field came from, and the quote.
        let evidence: [String: (Int, String)]
        var testDescription: String { language }
    }

    static let transcripts = [
        Transcript(
            language: "English", country: "US", channel: .text,
            messages: [
                ("agent", "Hi! Who am I chatting with?"), ("customer", "Dana Whitaker"), ("agent", "Thanks Dana. What's the best email for you?"),
                ("customer", "dana.w@example.com"), ("agent", "And a phone number?"), ("customer", "Sure, it's (415) 555-0142"),
            ],
            email: "dana.w@example.com", phone: "+14155550142", first: "Dana", last: "Whitaker",
            evidence: ["first_name": (1, "Dana Whitaker"), "last_name": (1, "Dana Whitaker"), "email": (3, "dana.w@example.com"), "phone": (5, "(415) 555-0142")]),
        Transcript(
            language: "Spanish", country: "ES", channel: .voice,
            messages: [
                ("agent", "Gracias por llamar. ¿Cómo se llama usted?"), ("customer", "eh, rosa molina"), ("agent", "¿Me da un correo electrónico?"),
                ("customer", "sí, rosa punto molina arroba correo punto es"), ("agent", "¿Y un teléfono de contacto?"),
                ("customer", "seis uno dos, tres cuatro cinco, seis siete ocho"),
            ],
            email: "rosa.molina@correo.es", phone: "+34612345678", first: "Rosa", last: "Molina",
            evidence: [
                "first_name": (1, "rosa molina"), "last_name": (1, "rosa molina"), "email": (3, "rosa punto molina arroba correo punto es"),
                "phone": (5, "seis uno dos, tres cuatro cinco, seis siete ocho"),
            ]),
    ]

    func action(_ rt: Runtime, _ crm: CRM) async throws -> String {
        let names = crm == .hubspot ? ["email", "firstname", "lastname", "phone"] : ["Email", "FirstName", "LastName", "Phone"]
        let draft = Action(
            id: "", template: crm == .hubspot ? "hubspot.upsert_contact" : "salesforce.upsert_contact", name: "Q&A \(UUID().uuidString.prefix(6))",
            intent: "sync", offlineSync: true, accountId: try await rt.account(crm), allowCreate: true, allowUpdateExisting: true,
            mappings: zip(names, ["email", "first_name", "last_name", "phone"]).map { FieldMapping(crmField: $0, agentField: $1) })
        return try await rt.configuration.createAction(draft).action.id
    }

    @Test("questionAndAnswerTranscriptsSyncOffline: both CRMs, both databases, an English and a Spanish transcript",
          arguments: Backend.available, transcripts)
    func questionAndAnswerTranscriptsSyncOffline(backend: Backend, transcript: Transcript) async throws {
        try await withRuntime(backend) { rt in
            for crm in CRM.allCases {
                let action = try await action(rt, crm)
                let agent = try await rt.configuration.createAgent(
                    name: "Q&A", channel: transcript.channel, actionIds: [action],
                    extraction: ExtractionSettings(mode: .rules, defaultCountry: transcript.country)).agent.id
                let chat = try await rt.conversation(agent: agent, attributes: [:])
                for (role, text) in transcript.messages {
                    _ = try await rt.conversations.addMessage(conversationId: chat, role: role, text: text, at: nil)
                }
                if transcript.channel == .voice {
                    _ = try await rt.conversations.end(conversationId: chat)
                } else {
                    rt.clock.advance(600)
                }
                try await rt.offline.tick()
                let run = try #require(try await rt.runs(conversation: chat).first)
                #expect(run.status == .succeeded)
                #expect(run.result?.outcome == .created)
                let fields = crm == .hubspot ? ["email", "firstname", "lastname", "phone"] : ["Email", "FirstName", "LastName", "Phone"]
                #expect(run.result?.valueSources == Dictionary(uniqueKeysWithValues: fields.map { ($0, "extracted") }))
                let evidence = run.result?.evidence ?? []
                for (field, (index, quote)) in transcript.evidence {
                    let item = evidence.first { $0.agentField == field }
                    #expect(item?.messageIndex == index, "\(field)")
                    #expect(item?.quote == quote, "\(field)")
                    // The question it answered: the agent's message just before.
                    #expect(item?.questionIndex == index - 1, "\(field)")
                    #expect(transcript.messages[index].0 == "customer")
                }
                let contact = try #require(try await rt.contacts(crm, email: transcript.email).first)
                #expect(try await rt.contactField(crm, id: contact, field: fields[1]) == transcript.first)
                #expect(try await rt.contactField(crm, id: contact, field: fields[2]) == transcript.last)
                #expect(try await rt.contactField(crm, id: contact, field: fields[3]) == transcript.phone)
            }
        }
    }
}
