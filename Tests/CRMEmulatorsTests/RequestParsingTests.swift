@testable import CRMEmulators
import Foundation
import Testing

@Suite("Emulators: query strings, SOQL words and record ids read byte by byte")
struct RequestParsingTests {
    /// What Foundation makes of a form value: `+` as a space, then percent-decoding; the text as it was when
    /// that fails.
    static func foundationUnescape(_ value: String) -> String {
        value.replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? value
    }

    @Test("a form value decodes as Foundation decodes it", arguments: [
        "", "plain", "a+b", "a%20b", "%41%42%43", "caf%C3%A9", "%E2%82%AC+5", "100%", "%4", "%zz", "a+%zz", "%C3", "%FF%FE", "%2B+%2b",
        "José", "x=%3D&", "SELECT+Id+FROM+Contact+WHERE+Email+%3D+%27a%40b.example%27",
    ])
    func formValue(_ value: String) {
        #expect(FormEncoding.unescape(Substring(value)) == Self.foundationUnescape(value))
    }

    @Test("query pairs keep their order, empty values and repeated names")
    func pairs() {
        let pairs = FormEncoding.pairs("q=SELECT+Id&limit=&properties=email%2Cfirstname&q=again")
        #expect(pairs.map(\.0) == ["q", "limit", "properties", "q"])
        #expect(pairs.map(\.1) == ["SELECT Id", "", "email,firstname", "again"])
    }

    @Test("SOQL words, numbers and spaces: ASCII and beyond it")
    func soqlTokens() throws {
        let tokens = try SOQLParser.tokenize("SELECT Id, Account.Name FROM Contact\r\nWHERE\u{A0}Über_c = 'x' AND n >= -1.5 LIMIT 10")
        #expect(tokens == [
            .word("SELECT"), .word("Id"), .symbol(","), .word("Account.Name"), .word("FROM"), .word("Contact"), .word("WHERE"), .word("Über_c"),
            .symbol("="), .string("x"), .word("AND"), .word("n"), .symbol(">="), .number(-1.5), .word("LIMIT"), .number(10),
        ])
        // A digit of another script is a number to Unicode, not to SOQL.
        #expect(throws: SOQLError.self) { try SOQLParser.tokenize("SELECT Id FROM Contact LIMIT \u{0663}") }
        #expect(throws: SOQLError.self) { try SOQLParser.tokenize("SELECT Id FROM Contact WHERE x = \"y\"") }
    }

    /// The checksum as Salesforce describes it, over characters.
    static func referenceChecksum(_ id15: String) -> String {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZ012345")
        let characters = Array(id15)
        var suffix = ""
        for chunk in 0..<3 {
            var bits = 0
            for offset in 0..<5 where characters[chunk * 5 + offset].isUppercase { bits |= 1 << offset }
            suffix.append(alphabet[bits])
        }
        return id15 + suffix
    }

    @Test("record id checksums match Salesforce's rule")
    func checksums() {
        let base62 = Array("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<500 {
            let id15 = String((0..<15).map { _ in base62[Int(generator.next() % 62)] })
            #expect(SalesforceIds.withChecksum(id15) == Self.referenceChecksum(id15))
        }
        #expect(SalesforceIds.canonical("003Wb0000000001") == Self.referenceChecksum("003Wb0000000001"))
    }
}
