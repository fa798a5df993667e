import Testing

@testable import ContactSyncCore

/// Values from transcripts by rules (ARCHITECTURE §9): every expected value found, and nothing else.
@Suite("Conversation intelligence: the rules against a corpus of transcripts")
struct TranscriptCorpusTests {
    struct Case: CustomTestStringConvertible, Sendable {
        let name: String
        let country: String
        let messages: [(String, String)]
        let expected: [String: String]

        init(_ name: String, country: String = "US", _ messages: [(String, String)], _ expected: [String: String]) {
            self.name = name
            self.country = country
            self.messages = messages
            self.expected = expected
        }

        var testDescription: String { name }
    }

    static let c = "customer"
    static let a = "agent"

    static let corpus: [Case] = [
        // Text: emails.
        Case("plain email", [(a, "How can I reach you?"), (c, "jane.doe@example.com")], ["email": "jane.doe@example.com"]),
        Case("email in a sentence", [(c, "Sure, it's Jane.Doe@Example.com thanks")], ["email": "jane.doe@example.com"]),
        Case("email with plus", [(c, "use bob+crm@mail.example.org please")], ["email": "bob+crm@mail.example.org"]),
        Case("email at sentence end", [(c, "You can write to me at sam@acme.io.")], ["email": "sam@acme.io"]),
        Case("email in angle brackets", [(c, "Contact: <lee@corp.example.net>")], ["email": "lee@corp.example.net"]),
        Case("agent's email is not the customer's", [(a, "Write to support@vendor.example if needed."), (c, "ok thanks")], [:]),
        Case("agent repeats, customer gives own", [(a, "Our address is help@vendor.example."), (c, "mine is kim@home.example")], ["email": "kim@home.example"]),
        Case("email inside a URL", [(c, "see https://portal.example.com/users/jane@example.com/profile")], [:]),
        Case("email inside a query string", [(c, "the link was https://x.example/reset?email=ann@example.com")], [:]),
        Case("two emails in one message", [(c, "either a@one.example or b@two.example")], [:]),
        Case("correction in a later message", [(c, "it's old@mail.example"), (a, "Got it."), (c, "sorry, actually new@mail.example")], ["email": "new@mail.example"]),
        Case("same email twice", [(c, "x@y.example, yes x@y.example")], ["email": "x@y.example"]),
        Case("not an email: handle", [(c, "find me @janedoe on social")], [:]),
        Case("not an email: no domain ending", [(c, "user@localhost is what I use")], [:]),
        // Voice: spoken emails.
        Case("spoken email", [(c, "it's jane dot doe at example dot com")], ["email": "jane.doe@example.com"]),
        Case("spoken with underscore", [(c, "my email is john underscore smith at mail dot example dot org")], ["email": "john_smith@mail.example.org"]),
        Case("spoken with written domain", [(c, "you can use pat at example.com")], ["email": "pat@example.com"]),
        Case("spoken with dash", [(c, "mary dash ann at shop dot example dot co dot uk")], ["email": "mary-ann@shop.example.co.uk"]),
        Case("spoken: at home is not an email", [(c, "I'm at home right now")], [:]),
        Case("spoken: look at this", [(c, "please look at this dot")], [:]),
        Case("spoken email said by the agent", [(a, "is it tom at example dot com?"), (c, "yes that's right")], [:]),
        // Phones, US default.
        Case("US phone with parentheses", [(c, "my number is (415) 555-0134")], ["phone": "+14155550134"]),
        Case("US phone with dots", [(c, "call me at 415.555.0134")], ["phone": "+14155550134"]),
        Case("US phone with leading 1", [(c, "cell: 1 415 555 0134")], ["phone": "+14155550134"]),
        Case("US phone international", [(c, "+1 (415) 555-0134 is my mobile")], ["phone": "+14155550134"]),
        Case("international UK from the US", [(c, "reach me on +44 20 7946 0958")], ["phone": "+442079460958"]),
        Case("UK with (0)", [(c, "phone +44 (0)20 7946 0958")], ["phone": "+442079460958"]),
        Case("00 prefix", [(c, "my phone is 0049 30 123456")], ["phone": "+4930123456"]),
        Case("order number is not a phone", [(c, "my order number is 4155550134")], [:]),
        Case("date is not a phone", [(c, "call me after 2026-12-01")], [:]),
        Case("no phone cue", [(c, "the total was 4155550134 dollars")], [:]),
        Case("too short", [(c, "call 555-0134")], [:]),
        Case("agent's phone", [(a, "Call us at (800) 555-0199."), (c, "will do")], [:]),
        Case("two numbers in one message", [(c, "call 415-555-0134 or 415-555-0188")], [:]),
        Case("later number wins", [(c, "phone is 415-555-0134"), (c, "no wait, my mobile is 415-555-0188")], ["phone": "+14155550188"]),
        // Phones, other default countries.
        Case("UK national mobile", country: "GB", [(c, "my mobile is 07700 900123")], ["phone": "+447700900123"]),
        Case("UK national landline", country: "GB", [(c, "call 020 7946 0958")], ["phone": "+442079460958"]),
        Case("Germany national", country: "DE", [(c, "Telefon? meine number ist 030 1234567")], ["phone": "+49301234567"]),
        Case("France national", country: "FR", [(c, "mon numéro: phone 06 12 34 56 78")], ["phone": "+33612345678"]),
        Case("Spain national", country: "ES", [(c, "phone 612 345 678")], ["phone": "+34612345678"]),
        Case("Italy keeps leading zero", country: "IT", [(c, "phone 06 6982 1234")], ["phone": "+390669821234"]),
        Case("Australia national", country: "AU", [(c, "mobile 0412 345 678")], ["phone": "+61412345678"]),
        Case("India national", country: "IN", [(c, "my number is 098765 43210")], ["phone": "+919876543210"]),
        Case("Netherlands national", country: "NL", [(c, "bel me: phone 06-12345678")], ["phone": "+31612345678"]),
        Case("unknown country, national form", country: "ZZ", [(c, "phone 612 345 678")], [:]),
        Case("unknown country, international form", country: "ZZ", [(c, "phone +34 612 345 678")], ["phone": "+34612345678"]),
        // Names.
        Case("my name is, full", [(c, "Hi, my name is Jane Doe.")], ["first_name": "Jane", "last_name": "Doe"]),
        Case("my name is, first only", [(c, "my name is Priya")], ["first_name": "Priya"]),
        Case("voice lowercase after a strong cue", [(c, "yeah my name is john smith and I need help")], ["first_name": "John", "last_name": "Smith"]),
        Case("this is, capitalised", [(c, "Hello, this is Maria Garcia from Acme")], ["first_name": "Maria", "last_name": "Garcia"]),
        Case("I'm, capitalised", [(c, "I'm Tom, I called yesterday")], ["first_name": "Tom"]),
        Case("I'm fine is no name", [(a, "How are you?"), (c, "I'm fine, thanks")], [:]),
        Case("I'm interested is no name", [(c, "I'm interested in the premium plan")], [:]),
        Case("I am calling is no name", [(c, "I am calling about my invoice")], [:]),
        Case("this is great is no name", [(c, "this is great, thank you")], [:]),
        Case("agent introduces itself", [(a, "Hi, my name is Ava, your assistant."), (c, "hello")], [:]),
        Case("call me", [(c, "please call me Bob")], ["first_name": "Bob"]),
        Case("hyphenated names", [(c, "My name is Anne-Marie O'Neil")], ["first_name": "Anne-Marie", "last_name": "O'Neil"]),
        Case("name's", [(c, "name's Lee Chang")], ["first_name": "Lee", "last_name": "Chang"]),
        // Everything together.
        Case("text: name, email, phone", [
            (a, "Hi! How can I help?"), (c, "Hi, I'm Dana Scully. I'd like a demo."), (a, "Sure, what's your email?"),
            (c, "dana.scully@fbi.example"), (a, "And a phone number?"), (c, "my cell is 202-555-0147"),
        ], ["first_name": "Dana", "last_name": "Scully", "email": "dana.scully@fbi.example", "phone": "+12025550147"]),
        Case("voice: spoken everything", [
            (a, "Thanks for calling, who am I speaking with?"), (c, "this is Fox Mulder"),
            (a, "What's the best email?"), (c, "fox dot mulder at xfiles dot example dot org"),
            (a, "And your number?"), (c, "yeah you can call me on 202 555 0198"),
        ], ["first_name": "Fox", "last_name": "Mulder", "email": "fox.mulder@xfiles.example.org", "phone": "+12025550198"]),
        Case("voice UK", country: "GB", [(c, "hiya my name is oliver twist"), (c, "my mobile's 07700 900456")], ["first_name": "Oliver", "last_name": "Twist", "phone": "+447700900456"]),
        Case("nothing to find", [(a, "Anything else?"), (c, "no that's all, bye")], [:]),
        Case("empty transcript", [], [:]),
    ]

    @Test("each transcript gives exactly its expected values, with evidence quoted from the customer's message", arguments: corpus)
    func transcript(_ example: Case) {
        let messages = example.messages.map { TranscriptMessage(role: $0.0, text: $0.1) }
        let found = RuleExtractor.extract(messages, wanted: RuleExtractor.fields, defaultCountry: example.country)
        #expect(found.values == example.expected)
        #expect(Set(found.evidence.map(\.agentField)) == Set(example.expected.keys))
        for item in found.evidence {
            #expect(messages[item.messageIndex].isCustomer)
            #expect(messages[item.messageIndex].text.contains(item.quote), "\(item.quote) is not in \(messages[item.messageIndex].text)")
        }
    }

    @Test("the corpus is large enough and has its traps")
    func corpusSize() {
        #expect(Self.corpus.count >= 60)
    }

    @Test("only wanted fields are filled")
    func wanted() {
        let found = RuleExtractor.extract([TranscriptMessage(role: "customer", text: "my name is Jane Doe, jane@example.com")], wanted: ["email"], defaultCountry: "US")
        #expect(found.values == ["email": "jane@example.com"])
    }
}
