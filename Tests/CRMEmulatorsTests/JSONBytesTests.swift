@testable import CRMEmulators
import Foundation
import Testing

@Suite("Emulators: JSON read and written byte by byte, as Codable reads and writes it")
struct JSONBytesTests {
    /// What `JSONDecoder` makes of the text through `JSON`'s `Codable` conformance.
    static func decoded(_ text: String) -> JSON? { try? JSONDecoder().decode(JSON.self, from: Data(text.utf8)) }

    @Test("documents read as JSONDecoder reads them, malformed ones refused alike", arguments: [
        #"{"properties":{"email":"a@b.example","firstname":"Ann"}}"#, #"  [1, -2, 3.5, -0.25, 1e3, 2E-2, 0]  "#, "true", "null", "\"text\"", "42",
        #"{"a":[],"b":{},"c":[{}],"d":null,"e":false}"#, #"["\u00e9\u20ac\ud83d\ude00", "tab\tnew\nline", "q\"b\\s\/"]"#, #"["José 🙂", "\u0000"]"#,
        #"[9223372036854775807, -9223372036854775808, 9223372036854775808, 123456789012345678901234567890]"#,
        #"[1.0, -0.0, 1.5e300, 0.1, 100e-2, 5e-324]"#, #"{"a":1,"a":2}"#, "[1,]", #"{"a":1, }"#, "[1,,]", "[,]", "{,}",
        "", " ", "{", "[1 2]", #"{"a" 1}"#, "{a:1}", "[01]", "[1.]", "[.5]", "[1e]", "[-]", "[+1]", "1e400", "[NaN]",
        "tru", "nul", "[true false]", "\"unterminated", #"["\x"]"#, #"["\u12"]"#, #"["\ud800"]"#, #"["\udc00"]"#, #"["\ud800\u0041"]"#,
        "\"raw\ttab\"", "[1] x", "{} {}",
    ])
    func reads(_ text: String) {
        #expect(JSON.parse(Data(text.utf8)) == Self.decoded(text))
    }

    @Test("invalid UTF-8 in a string and too deep a nesting are refused alike; a byte order mark is skipped")
    func edges() {
        let invalid = Data([0x22, 0x61, 0xFF, 0x62, 0x22])
        #expect(JSON.parse(invalid) == nil)
        #expect((try? JSONDecoder().decode(JSON.self, from: invalid)) == nil)
        let deep = String(repeating: "[", count: 600) + String(repeating: "]", count: 600)
        #expect(JSON.parse(Data(deep.utf8)) == nil)
        #expect(Self.decoded(deep) == nil)
        let nested = String(repeating: "[", count: 100) + String(repeating: "]", count: 100)
        #expect(JSON.parse(Data(nested.utf8)) == Self.decoded(nested))
        #expect(JSON.parse(Data(nested.utf8)) != nil)
        #expect(JSON.parse(Data([0xEF, 0xBB, 0xBF] + Array("[1]".utf8))) == [1])
    }

    @Test("values are written as JSONEncoder writes them, slashes unescaped")
    func writes() throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes]
        // Byte for byte where no object has two keys (the order of an object's keys is the dictionary's).
        let exact: [JSON] = [
            ["note": "a/b@c.example line\nbreak \"quoted\" back\\slash \t \u{01} \u{1F} \u{7F} é 🙂"],
            [1, -2, 0.5, 1e300, -0.0, 3.0, 0.1, true, false, nil, [], [:]], "plain", 7, .double(2.5), ["nested": [["deep": [1, [2, [3]]]]]],
        ]
        for value in exact { #expect(value.encoded() == (try encoder.encode(value))) }
        let objects: [JSON] = [["properties": ["email": "a@b.example", "firstname": "Ann", "lastname": "Lee", "n": 3, "ok": true]]]
        for value in exact + objects {
            #expect(JSON.parse(value.encoded()) == JSON.parse(try encoder.encode(value)))
            #expect(JSON.parse(value.encoded()) == Self.decoded(String(decoding: value.encoded(), as: UTF8.self)))
        }
        #expect(String(decoding: JSON.double(.infinity).encoded(), as: UTF8.self) == "null")
    }
}
