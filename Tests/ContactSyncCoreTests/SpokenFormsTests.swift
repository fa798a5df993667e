import Testing

@testable import ContactSyncCore

/// Voice transcripts spell values out (DESIGN §10): digits as words, "double" and "triple", "oh" for zero, and
/// addresses spelled letter by letter, in each of the six languages.
@Suite("Conversation intelligence: spoken forms")
struct SpokenFormsTests {
    struct Case: CustomTestStringConvertible, Sendable {
        let text: String
        let country: String
        let phone: String?
        var testDescription: String { text }
    }

    static let phones: [Case] = [
        Case(text: "my number is four one five, five five five, zero one four two", country: "US", phone: "+14155550142"),
        Case(text: "call me on four one five double five five oh one four two", country: "US", phone: "+14155550142"),
        Case(text: "phone two zero two triple five zero one nine eight", country: "US", phone: "+12025550198"),
        Case(text: "my mobile is oh seven seven double oh nine double oh one two three", country: "GB", phone: "+447700900123"),
        Case(text: "phone oh four one five five five five zero one six one", country: "US", phone: "+14155550161"),
        Case(text: "my number is four one five 555 0188", country: "US", phone: "+14155550188"),
        Case(text: "mi teléfono es seis uno dos, tres cuatro cinco, seis siete ocho", country: "ES", phone: "+34612345678"),
        Case(text: "mi número es más tres cuatro seis cinco cero uno dos tres cuatro cinco seis", country: "US", phone: "+34650123456"),
        Case(text: "meu número é dois um nove nove meia cinco quatro três dois um zero", country: "BR", phone: "+5521996543210"),
        Case(text: "mon numéro c'est zéro six, un deux, trois quatre, cinq six, sept huit", country: "FR", phone: "+33612345678"),
        Case(text: "meine Nummer ist null eins fünf eins, zwei drei vier fünf sechs sieben acht neun", country: "DE", phone: "+4915123456789"),
        Case(text: "nomor saya kosong delapan satu dua tiga empat lima enam tujuh delapan sembilan nol", country: "ID", phone: "+6281234567890"),
        // Traps: too few digits, no cue, or another number.
        Case(text: "about five or six, maybe seven, eight at most", country: "US", phone: nil),
        Case(text: "four one five five five five zero one four two", country: "US", phone: nil),
        Case(text: "my order number is four one five five five five zero one three four", country: "US", phone: nil),
        Case(text: "my number is four one five five five five zero one four two or four one five five five five zero one four three", country: "US", phone: nil),
    ]

    @Test("spokenDigits: digits said as words in six languages, with double, triple, oh and plus", arguments: phones)
    func spokenDigits(_ example: Case) {
        let found = RuleExtractor.single(RuleExtractor.phones(in: example.text, defaultCountry: example.country))
        #expect(found?.value == example.phone)
        if let found { #expect(example.text.contains(found.quote)) }
    }

    static let emails: [(String, String?)] = [
        ("sure it's j o h n dot k i m at gmail dot com", "john.kim@gmail.com"),
        ("my email is m a r y underscore lee at outlook dot com", "mary_lee@outlook.com"),
        ("it's ana at a c m e dot io", "ana@acme.io"),
        ("mary dash ann at shop dot example dot co dot uk", "mary-ann@shop.example.co.uk"),
        ("maria punto lopez arroba gmail punto com", "maria.lopez@gmail.com"),
        ("mi correo es pablo guion bajo ortiz arroba hotmail punto es", "pablo_ortiz@hotmail.es"),
        ("é joao ponto silva arroba hotmail ponto com ponto br", "joao.silva@hotmail.com.br"),
        ("claire point martin arobase orange point fr", "claire.martin@orange.fr"),
        ("jean tiret paul arobase free point fr", "jean-paul@free.fr"),
        ("anna punkt schmidt at web punkt de", "anna.schmidt@web.de"),
        ("max unterstrich meier at gmx punkt de", "max_meier@gmx.de"),
        ("budi titik santoso at gmail titik com", "budi.santoso@gmail.com"),
        ("dewi garis bawah ayu at yahoo titik co titik id", "dewi_ayu@yahoo.co.id"),
        ("I'm at home right now", nil),
        ("a las cinco en punto", nil),
        ("i am at the office dot dot dot", nil),
    ]

    @Test("spelledEmails: addresses spelled letter by letter, and 'at' and 'dot' in each language", arguments: emails)
    func spelledEmails(_ example: (String, String?)) {
        let found = RuleExtractor.single(RuleExtractor.emails(in: example.0))
        #expect(found?.value == example.1)
        if let found { #expect(example.0.contains(found.quote)) }
    }
}
