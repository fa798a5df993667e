import ContactSyncCore
import Foundation
import Testing

@Suite("Compact JSON: the same JSON as Foundation's encoder, written in one pass")
struct CompactJSONEncoderTests {
    struct Everything: Codable {
        enum Kind: String, Codable { case first, second_kind }
        struct Inner: Codable, Equatable { var name: String; var tags: [String]; var score: Double? }
        var text = "plain"
        var escapes = "\u{01}\u{1f}\u{7f}\t\n\r\u{08}\u{0c}\"/\\ é 😀 \u{2028} </script>"
        var whole = 42
        var negative = -7
        var small: Int8 = -5
        var large = UInt64.max
        var doubles = [1.0, 0.1, 1e-7, 1e21, 123_456_789.123, -0.0, Double.leastNonzeroMagnitude, 1.797_693_134_862_315_7e308, 100, 1e16, 2.5]
        var float: Float = 0.1
        var flag = true
        var missing: String? = nil
        var present: String? = "here"
        var kind = Kind.second_kind
        var kinds: [Kind] = [.first, .second_kind]
        var date = Date(timeIntervalSince1970: 1_800_000_000.75)
        var data = Data([1, 2, 3, 250])
        var url = URL(string: "http://a.example/x?y=1")!
        var map = ["b": 1, "a": 2, "c": 3]
        var nested = [Inner(name: "one", tags: [], score: nil), Inner(name: "two", tags: ["x", "y"], score: 0.5)]
        var empty: [Inner] = []
        var emptyMap: [String: String] = [:]
        var matrix = [[1, 2], [], [3]]
    }

    /// A type that writes a nested container, then goes on with its parent.
    struct Handwritten: Encodable {
        enum Keys: String, CodingKey { case head, inner, list, tail }
        enum InnerKeys: String, CodingKey { case a, b }
        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: Keys.self)
            try container.encode("h", forKey: .head)
            var inner = container.nestedContainer(keyedBy: InnerKeys.self, forKey: .inner)
            try inner.encode(1, forKey: .a)
            try inner.encodeNil(forKey: .b)
            var list = container.nestedUnkeyedContainer(forKey: .list)
            try list.encode("x")
            var deeper = list.nestedContainer(keyedBy: InnerKeys.self)
            try deeper.encode(true, forKey: .a)
            try list.encode(3.5)
            try container.encode("t", forKey: .tail)
        }
    }

    struct UsesSuperEncoder: Encodable {
        enum Keys: String, CodingKey { case a }
        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: Keys.self)
            try container.encode(1, forKey: .a)
            try "base".encode(to: container.superEncoder())
        }
    }

    /// A type that keeps a nested container and writes to it after its parent went on to the next key.
    struct LateWriter: Encodable {
        enum Keys: String, CodingKey { case first, second }
        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: Keys.self)
            var first = container.nestedUnkeyedContainer(forKey: .first)
            try first.encode(1)
            try container.encode("b", forKey: .second)
            try first.encode(2)
        }
    }

    struct Nothing: Encodable {
        func encode(to encoder: any Encoder) throws {}
    }

    static func object(_ bytes: some Sequence<UInt8>) throws -> NSObject {
        try #require(try JSONSerialization.jsonObject(with: Data(bytes), options: [.fragmentsAllowed]) as? NSObject)
    }

    static func foundation(_ value: some Encodable, iso8601: Bool = false, escapesSlashes: Bool = true) throws -> Data {
        let encoder = JSONEncoder()
        if iso8601 { encoder.dateEncodingStrategy = .iso8601 }
        if !escapesSlashes { encoder.outputFormatting = [.withoutEscapingSlashes] }
        return try encoder.encode(value)
    }

    @Test("every kind of value means the same as JSONEncoder's, with either settings", arguments: [false, true])
    func sameMeaning(apiSettings: Bool) throws {
        let encoder = CompactJSONEncoder(dateEncoding: apiSettings ? .iso8601 : .secondsSinceReferenceDate, escapesSlashes: !apiSettings)
        let ours = try encoder.encode(Everything())
        let theirs = try Self.foundation(Everything(), iso8601: apiSettings, escapesSlashes: !apiSettings)
        #expect(try Self.object(ours) == Self.object(theirs), "\(String(decoding: ours, as: UTF8.self))\n\(String(decoding: theirs, as: UTF8.self))")
        // What it writes reads back as the same value.
        let decoder = JSONDecoder()
        if apiSettings { decoder.dateDecodingStrategy = .iso8601 }
        let back = try decoder.decode(Everything.self, from: Data(ours))
        #expect(back.escapes == Everything().escapes && back.nested == Everything().nested && back.doubles == Everything().doubles)
    }

    @Test("strings, numbers and keys are written byte for byte as JSONEncoder writes them")
    func sameBytes() throws {
        let encoder = CompactJSONEncoder()
        for value in ["", "a/b", "\u{0}\u{1f}\u{7f}", "quote \" and \\", "é😀\u{2028}"] {
            #expect(try encoder.encode(value) == Array(try Self.foundation(value)))
        }
        for value in [0.0, -0.0, 1.0, 0.1, 1e-7, 1e21, 1e16, 123_456_789.123, Double.leastNonzeroMagnitude, -2.5] {
            #expect(try encoder.encode(value) == Array(try Self.foundation(value)), "\(value)")
        }
        #expect(try encoder.encode(Handwritten()) == Array(#"{"head":"h","inner":{"a":1,"b":null},"list":["x",{"a":true},3.5],"tail":"t"}"#.utf8))
        #expect(try Self.object(encoder.encode(Handwritten())) == Self.object(Self.foundation(Handwritten())))
        #expect(try encoder.encode([String]()) == Array("[]".utf8))
        #expect(try encoder.encode(["a": Nothing()]) == Array(try Self.foundation(["a": Nothing()])))
        #expect(throws: CompactJSONEncodingError.self) { try encoder.encode(Nothing()) }
    }

    @Test("ISO 8601 dates are whole seconds in UTC, as JSONEncoder writes them, across eras and leap days")
    func dates() throws {
        let encoder = CompactJSONEncoder(dateEncoding: .iso8601)
        let stamps: [TimeInterval] = [0, -1.5, -86_400, 951_782_400, 951_868_799.999, 1_800_000_000.75, 4_102_444_800, -2_208_988_800, 253_402_300_799]
        for stamp in stamps {
            let date = Date(timeIntervalSince1970: stamp)
            #expect(try encoder.encode(date) == Array(try Self.foundation(date, iso8601: true)), "\(stamp)")
        }
    }

    @Test("what it cannot stream is refused, and encodeOrFallBack gives JSONEncoder's answer")
    func fallsBack() throws {
        let encoder = CompactJSONEncoder()
        #expect(throws: CompactJSONEncodingError.self) { try encoder.encode(UsesSuperEncoder()) }
        #expect(try Self.object(encoder.encodeOrFallBack(UsesSuperEncoder())) == Self.object(Self.foundation(UsesSuperEncoder())))
        #expect(throws: CompactJSONEncodingError.self) { try encoder.encode(LateWriter()) }
        #expect(try Self.object(encoder.encodeOrFallBack(LateWriter())) == Self.object(Self.foundation(LateWriter())))
        #expect(throws: CompactJSONEncodingError.self) { try encoder.encode([Double.nan]) }
        #expect(throws: (any Error).self) { try encoder.encodeOrFallBack([Double.infinity]) }
    }

    @Test("a run's result and input as stored mean what JSONEncoder wrote")
    func runRecords() throws {
        let result = RunResult(
            outcome: .created, crmRecordId: "003", crmRecordURL: "https://x.example/r/003", fieldsWritten: ["Email", "LastName"],
            fieldsSkipped: [SkippedField(crmField: "Phone", reason: .invalidFormat, detail: "not a number")],
            warnings: [RunWarning(code: "w", message: "m", field: "f", ids: ["1", "2"])],
            error: RunFailure(code: "c", message: "m", crmCode: nil, retryable: true), crmCalls: 2, roundTrips: 2, crmWaitMs: 1.25)
        let input = RunInput(fields: ["email": "a@b.example", "note": "line\nbreak"], summary: "Asked for a demo")
        #expect(try Self.object(CompactJSONEncoder().encode(result)) == Self.object(Self.foundation(result)))
        #expect(try Self.object(CompactJSONEncoder().encode(input)) == Self.object(Self.foundation(input)))
        #expect(try JSONDecoder().decode(RunResult.self, from: Data(CompactJSONEncoder().encode(result))) == result)
    }
}
