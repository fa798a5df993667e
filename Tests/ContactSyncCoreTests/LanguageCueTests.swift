import Testing

@testable import ContactSyncCore

/// Cues and stop-lists in English, Spanish, Portuguese, French, German and Indonesian (DESIGN §10): each
/// language's name, phone and email cues, and its traps.
@Suite("Conversation intelligence: six languages")
struct LanguageCueTests {
    struct Case: CustomTestStringConvertible, Sendable {
        let language: String
        let country: String
        let text: String
        let expected: [String: String]
        var testDescription: String { "\(language): \(text)" }
    }

    static let cases: [Case] = [
        // Names.
        Case(language: "es", country: "ES", text: "Hola, me llamo Carlos Ruiz", expected: ["first_name": "Carlos", "last_name": "Ruiz"]),
        Case(language: "es", country: "ES", text: "mi nombre es ana torres", expected: ["first_name": "Ana", "last_name": "Torres"]),
        Case(language: "es", country: "ES", text: "Soy Lucía Fernández", expected: ["first_name": "Lucía", "last_name": "Fernández"]),
        Case(language: "pt", country: "BR", text: "meu nome é Maria da Silva", expected: ["first_name": "Maria", "last_name": "da Silva"]),
        Case(language: "pt", country: "BR", text: "Aqui é o Pedro", expected: ["first_name": "Pedro"]),
        Case(language: "fr", country: "FR", text: "Je m’appelle Émilie Laurent.", expected: ["first_name": "Émilie", "last_name": "Laurent"]),
        Case(language: "fr", country: "FR", text: "moi c'est Léa", expected: ["first_name": "Léa"]),
        Case(language: "de", country: "DE", text: "Ich heiße Lukas Weber", expected: ["first_name": "Lukas", "last_name": "Weber"]),
        Case(language: "de", country: "DE", text: "Ich bin Frau Müller", expected: ["last_name": "Müller"]),
        Case(language: "de", country: "DE", text: "Mein Name ist Clara von Arnim", expected: ["first_name": "Clara", "last_name": "von Arnim"]),
        Case(language: "id", country: "ID", text: "Halo, nama saya Budi Santoso", expected: ["first_name": "Budi", "last_name": "Santoso"]),
        Case(language: "id", country: "ID", text: "panggil saya Dewi saja", expected: ["first_name": "Dewi"]),
        // A word that is no name in one language is a name in another.
        Case(language: "en", country: "US", text: "my name is Ada Lovelace", expected: ["first_name": "Ada", "last_name": "Lovelace"]),
        Case(language: "id", country: "ID", text: "nama saya ada di daftar", expected: [:]),
        // Phones and emails.
        Case(language: "es", country: "MX", text: "Mi número es 55 1234 5678", expected: ["phone": "+525512345678"]),
        Case(language: "pt", country: "BR", text: "meu celular é (11) 98765-4321", expected: ["phone": "+5511987654321"]),
        Case(language: "fr", country: "FR", text: "mon portable : 06 12 34 56 78", expected: ["phone": "+33612345678"]),
        Case(language: "de", country: "DE", text: "Meine Handynummer ist 0151 23456789", expected: ["phone": "+4915123456789"]),
        Case(language: "id", country: "ID", text: "nomor hp saya 0812-3456-7890", expected: ["phone": "+6281234567890"]),
        Case(language: "es", country: "ES", text: "mi correo es lucia@correo.example", expected: ["email": "lucia@correo.example"]),
        // Traps.
        Case(language: "es", country: "ES", text: "Estoy bien, gracias", expected: [:]),
        Case(language: "es", country: "ES", text: "Soy cliente desde 2019", expected: [:]),
        Case(language: "es", country: "ES", text: "Mi número de pedido es 612345678", expected: [:]),
        Case(language: "pt", country: "BR", text: "Tudo bem, obrigado!", expected: [:]),
        Case(language: "pt", country: "BR", text: "sou da empresa Acme", expected: [:]),
        Case(language: "pt", country: "BR", text: "meu CPF é 123.456.789-09, meu número do pedido é 11987654321", expected: [:]),
        Case(language: "fr", country: "FR", text: "Je suis désolé pour le retard", expected: [:]),
        Case(language: "fr", country: "FR", text: "C'est bon, merci", expected: [:]),
        Case(language: "fr", country: "FR", text: "Mon numéro de commande est 0612345678", expected: [:]),
        Case(language: "de", country: "DE", text: "Ich bin Kunde bei Ihnen", expected: [:]),
        Case(language: "de", country: "DE", text: "Ich bin im Büro", expected: [:]),
        Case(language: "de", country: "DE", text: "Meine Kundennummer ist 0301234567", expected: [:]),
        Case(language: "id", country: "ID", text: "Saya baik-baik saja", expected: [:]),
        Case(language: "id", country: "ID", text: "Saya Mau tanya harga", expected: [:]),
        Case(language: "id", country: "ID", text: "nomor pesanan saya 081234567890", expected: [:]),
    ]

    @Test("eachLanguagesCuesAndTraps: a cue in each language gives its value, and each language's traps give none", arguments: cases)
    func eachLanguagesCuesAndTraps(_ example: Case) {
        let found = RuleExtractor.extract([TranscriptMessage(role: "customer", text: example.text)], wanted: RuleExtractor.fields, defaultCountry: example.country)
        #expect(found.values == example.expected)
        for item in found.evidence { #expect(example.text.contains(item.quote)) }
    }

    @Test("questionsInEachLanguage: an agent's question for an email, a phone or a name is understood in each language")
    func questionsInEachLanguage() {
        let questions: [(String, Set<AskedKind>)] = [
            ("Could I get a phone number?", [.phone]), ("¿Cuál es tu correo electrónico?", [.email]), ("¿Cómo te llamas?", [.name]),
            ("Qual é o seu nome e WhatsApp?", [.name, .phone]), ("Quel est votre prénom ?", [.firstName]), ("Et votre nom de famille ?", [.lastName]),
            ("Wie ist Ihre Telefonnummer?", [.phone]), ("Ihre E-Mail-Adresse bitte.", [.email]), ("Nomor HP-nya berapa, kak?", [.phone]),
            ("Boleh tahu nama Anda?", [.name]), ("Email-nya apa?", [.email]), ("Our phone number is on the website.", []),
            ("Wie lautet Ihre Bestellnummer?", []), ("Apa nama toko Anda?", []),
        ]
        for (question, kinds) in questions {
            #expect(AgentQuestions.kinds(askedIn: ScannedText(question)) == kinds, "\(question)")
        }
    }
}
