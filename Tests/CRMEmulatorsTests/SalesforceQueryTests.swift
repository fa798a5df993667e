import CRMEmulators
import Hummingbird
import Testing

@Suite("Salesforce emulator: SOQL")
struct SalesforceQueryTests {
    static let base = "/services/data/v62.0"

    static func query(_ sf: EmulatorClient, _ soql: String) async throws -> Answer {
        try await sf.get("\(base)/query/?q=\(soql.queryEscaped)")
    }

    static func ids(_ answer: Answer) -> [String] {
        answer.json?["records"]?.array?.compactMap { $0["Id"]?.string } ?? []
    }

    @Test("each documented escape decodes to its character", arguments: [
        ("o\\'brien@example.com", "o'brien@example.com"),
        ("back\\\\slash@example.com", "back\\slash@example.com"),
        ("quote\\\"d@example.com", "quote\"d@example.com"),
        ("line\\nbreak@example.com", "line\nbreak@example.com"),
        ("line\\Nbreak@example.com", "line\nbreak@example.com"),
        ("tab\\tbed@example.com", "tab\tbed@example.com"),
        ("cr\\rx@example.com", "cr\rx@example.com"),
        ("bell\\bx@example.com", "bell\u{8}x@example.com"),
        ("feed\\fx@example.com", "feed\u{c}x@example.com"),
        ("uni\\u00e9@example.com", "unié@example.com"),
    ])
    func escapes(literal: String, stored: String) async throws {
        try await withSalesforce { sf in
            let id = try #require(try await sf.send(.post, "\(Self.base)/sobjects/Contact", json: ["LastName": "X", "Description": .string(stored)]).json?["id"]?.string)
            _ = try await sf.send(.post, "\(Self.base)/sobjects/Contact", json: ["LastName": "Other", "Title": "t"])
            let answer = try await Self.query(sf, "SELECT Id FROM Contact WHERE LastName = 'X' AND Title = null AND Department != '\(literal)'")
            #expect(answer.status == .ok)
            let exact = try await Self.query(sf, "SELECT Id, Description FROM Contact WHERE LastName IN ('X') LIMIT 5")
            #expect(exact.json?["records"]?.array?.first?["Description"]?.string == stored)
            let title = try await sf.send(.patch, "\(Self.base)/sobjects/Contact/\(id)", json: ["Title": .string(String(stored.prefix(128)))])
            #expect(title.status == .noContent)
            #expect(Self.ids(try await Self.query(sf, "SELECT Id FROM Contact WHERE Title = '\(literal)'")) == [id])
        }
    }

    @Test("a stray backslash, an unescaped quote, double quotes and LIKE-only escapes are MALFORMED_QUERY", arguments: [
        "SELECT Id FROM Contact WHERE Email = 'a\\-b'",
        "SELECT Id FROM Contact WHERE Email = 'o'brien'",
        "SELECT Id FROM Contact WHERE Email = \"x\"",
        "SELECT Id FROM Contact WHERE Email = 'a\\%b'",
        "SELECT Id FROM Contact WHERE Email = 'unterminated",
        "SELECT Id FROM Contact WHERE",
        "SELECT FROM Contact",
    ])
    func malformed(soql: String) async throws {
        try await withSalesforce { sf in
            let answer = try await Self.query(sf, soql)
            #expect(answer.status == .badRequest)
            #expect(answer.json?.array?.first?["errorCode"]?.string == "MALFORMED_QUERY")
        }
    }

    @Test("Email comparison is case-insensitive; IN, ORDER BY CreatedDate and LIMIT work; deleted records are gone")
    func lookups() async throws {
        try await withSalesforce { sf in
            var ids: [String] = []
            for (last, email) in [("A", "Dup@Example.com"), ("B", "dup@example.com"), ("C", "other@example.com")] {
                ids.append(try #require(try await sf.send(.post, "\(Self.base)/sobjects/Contact", json: ["LastName": .string(last), "Email": .string(email)]).json?["id"]?.string))
            }
            let two = try await Self.query(sf, "SELECT Id, Email, CreatedDate, CreatedById FROM Contact WHERE Email = 'DUP@example.COM' ORDER BY CreatedDate ASC LIMIT 2")
            #expect(Self.ids(two) == [ids[0], ids[1]])
            #expect(two.json?["records"]?.array?.first?["CreatedDate"]?.string?.hasSuffix("+0000") == true)
            let descending = try await Self.query(sf, "select id from contact where email in ('dup@example.com', 'OTHER@example.com') order by LastName desc")
            #expect(Self.ids(descending) == [ids[2], ids[1], ids[0]])
            _ = try await sf.send(.delete, "\(Self.base)/sobjects/Contact/\(ids[0])")
            #expect(Self.ids(try await Self.query(sf, "SELECT Id FROM Contact WHERE Email = 'dup@example.com'")) == [ids[1]])
            #expect(try await Self.query(sf, "SELECT COUNT() FROM Contact").json?["totalSize"]?.int == 2)
        }
    }

    @Test("LIKE treats % and _ as wildcards and their escaped forms literally")
    func like() async throws {
        try await withSalesforce { sf in
            for title in ["50% off", "50 percent off", "a_b", "axb"] {
                _ = try await sf.send(.post, "\(Self.base)/sobjects/Contact", json: ["LastName": "L", "Title": .string(title)])
            }
            #expect(try await Self.query(sf, "SELECT Id FROM Contact WHERE Title LIKE '50%'").json?["totalSize"]?.int == 2)
            #expect(try await Self.query(sf, "SELECT Id FROM Contact WHERE Title LIKE '50\\%%'").json?["totalSize"]?.int == 1)
            #expect(try await Self.query(sf, "SELECT Id FROM Contact WHERE Title LIKE 'a_b'").json?["totalSize"]?.int == 2)
            #expect(try await Self.query(sf, "SELECT Id FROM Contact WHERE Title LIKE 'a\\_b'").json?["totalSize"]?.int == 1)
        }
    }

    @Test("unknown fields, other objects and long text filters are refused")
    func refusals() async throws {
        try await withSalesforce { sf in
            let unknown = try await Self.query(sf, "SELECT Foo FROM Contact")
            #expect(unknown.json?.array?.first?["errorCode"]?.string == "INVALID_FIELD")
            #expect(try await Self.query(sf, "SELECT Id FROM Account").json?.array?.first?["errorCode"]?.string == "INVALID_TYPE")
            #expect(try await Self.query(sf, "SELECT Id FROM Contact WHERE Description = 'x'").json?.array?.first?["errorCode"]?.string == "INVALID_FIELD")
            #expect(try await sf.get("\(Self.base)/query").json?.array?.first?["errorCode"]?.string == "MALFORMED_QUERY")
        }
    }

    @Test("a URI over 16,384 bytes answers 414")
    func uriLimit() async throws {
        try await withSalesforce { sf in
            let emails = (0..<700).map { "'someone\($0)@example.com'" }.joined(separator: ",")
            let answer = try await Self.query(sf, "SELECT Id FROM Contact WHERE Email IN (\(emails))")
            #expect(answer.status == .uriTooLong)
        }
    }
}
