import Testing

@testable import ContactSyncCore

/// A customer turn answering the agent's question takes its cue from the question (DESIGN §10): the next
/// customer turn only, a value of the asked kind only, never the agent's own details.
@Suite("Conversation intelligence: answers to the agent's questions")
struct QuestionAnswerTests {
    static func extract(_ messages: [(String, String)], country: String = "US") -> Extraction {
        RuleExtractor.extract(messages.map { TranscriptMessage(role: $0.0, text: $0.1) }, wanted: RuleExtractor.fields, defaultCountry: country)
    }

    @Test("answerTakesTheQuestionsCue: a number without a cue of its own, answering a question for a phone, is the customer's phone")
    func answerTakesTheQuestionsCue() {
        let found = Self.extract([("agent", "And a phone number?"), ("customer", "Sure, it's (415) 555-0142")])
        #expect(found.values == ["phone": "+14155550142"])
        #expect(found.evidence == [Evidence(agentField: "phone", messageIndex: 1, quote: "(415) 555-0142", questionIndex: 0)])
    }

    @Test("answerBeforeTheQuestionDoesNotCount: a number given before the question is asked has no cue")
    func answerBeforeTheQuestionDoesNotCount() {
        let found = Self.extract([("customer", "(415) 555-0142"), ("agent", "Thanks! What's your phone number?"), ("customer", "I just sent it")])
        #expect(found.values.isEmpty)
    }

    @Test("bothOrdersOfTurns: a name asked and answered, and a name answered and then asked for, in either order")
    func bothOrdersOfTurns() {
        let asked = Self.extract([("agent", "What's your name?"), ("customer", "Dana Whitaker")])
        #expect(asked.values == ["first_name": "Dana", "last_name": "Whitaker"])
        #expect(asked.evidence.map(\.questionIndex) == [0, 0])
        let answeredFirst = Self.extract([("customer", "Dana Whitaker"), ("agent", "What's your name?")])
        #expect(answeredFirst.values.isEmpty)
    }

    @Test("unansweredQuestion: only the customer messages before the agent's next message answer a question")
    func unansweredQuestion() {
        let found = Self.extract([
            ("agent", "What's your phone number?"), ("customer", "Why do you need it?"), ("agent", "So our team can call you back."),
            ("customer", "ok then: 4155550142"),
        ])
        #expect(found.values.isEmpty)
        let split = Self.extract([("agent", "What's your phone number?"), ("customer", "sure"), ("customer", "415 555 0142")])
        #expect(split.values == ["phone": "+14155550142"])
    }

    @Test("answerOfTheWrongKind: a question for an email does not make a bare number a phone, nor a question for a phone a bare name")
    func answerOfTheWrongKind() {
        #expect(Self.extract([("agent", "What's the best email for you?"), ("customer", "4155550142")]).values.isEmpty)
        #expect(Self.extract([("agent", "What's your phone number?"), ("customer", "Dana Whitaker")]).values.isEmpty)
        #expect(Self.extract([("agent", "What's your order number?"), ("customer", "4155550142")]).values.isEmpty)
        #expect(Self.extract([("agent", "¿Cuál es su número de pedido?"), ("customer", "612345678")], country: "ES").values.isEmpty)
        #expect(Self.extract([("agent", "What's your company name?"), ("customer", "Acme Robotics")]).values.isEmpty)
        #expect(Self.extract([("agent", "Can I get your name?"), ("customer", "Premium plan please")]).values.isEmpty)
    }

    @Test("agentsOwnDetailsNeverCount: the agent's number, email and name in the question are not the customer's")
    func agentsOwnDetailsNeverCount() {
        let found = Self.extract([
            ("agent", "I'm Ava, and you can reach us at (800) 555-0199 or help@vendor.example. What's your name and number?"), ("customer", "ok"),
        ])
        #expect(found.values.isEmpty)
    }

    @Test("firstAndLastNameQuestions: a question for the family name fills only the family name")
    func firstAndLastNameQuestions() {
        let found = Self.extract([("agent", "What's your first name?"), ("customer", "Priya"), ("agent", "And your last name?"), ("customer", "Raman")])
        #expect(found.values == ["first_name": "Priya", "last_name": "Raman"])
        #expect(found.evidence.map(\.questionIndex) == [0, 2])
        let spanish = Self.extract([("agent", "¿Y tu apellido?"), ("customer", "Pérez García")], country: "ES")
        #expect(spanish.values == ["last_name": "Pérez García"])
    }

    @Test("correctionReplacesAnEarlierNumber: 'sorry, it's …' after a number stands in its place")
    func correctionReplacesAnEarlierNumber() {
        let found = Self.extract([
            ("agent", "And your phone number?"), ("customer", "212 555 0199"), ("agent", "Got it."), ("customer", "sorry no, it's 212 555 0198"),
        ])
        #expect(found.values == ["phone": "+12125550198"])
        #expect(found.evidence.first?.messageIndex == 3)
        // Without an earlier number, a correction alone is no phone.
        #expect(Self.extract([("customer", "sorry, 212 555 0198")]).values.isEmpty)
    }
}
