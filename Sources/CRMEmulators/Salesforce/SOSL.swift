import Foundation

/// The SOSL the emulator answers: `FIND {terms} IN (ALL|PHONE|EMAIL|NAME) FIELDS RETURNING Contact(fields)
/// [LIMIT n]`, terms quoted or bare, joined by `OR`, reserved characters escaped with a backslash.
struct SOSLSearch: Sendable {
    enum Scope: String, Sendable { case all = "ALL", phone = "PHONE", email = "EMAIL", name = "NAME" }

    let terms: [String]
    let scope: Scope
    let fields: [String]
    let limit: Int?

    struct Malformed: Error { let message: String }

    static func parse(_ text: String) throws(Malformed) -> SOSLSearch {
        var rest = Substring(text.trimmingCharacters(in: .whitespacesAndNewlines))
        guard rest.uppercased().hasPrefix("FIND"), let open = rest.firstIndex(of: "{") else { throw Malformed(message: "expecting FIND {…}") }
        rest = rest[rest.index(after: open)...]
        // The braces' content, honouring backslash escapes.
        var inner = ""
        var escaped = false
        var closed: Substring.Index?
        for index in rest.indices {
            let character = rest[index]
            if escaped { inner.append("\\"); inner.append(character); escaped = false; continue }
            if character == "\\" { escaped = true; continue }
            if character == "}" { closed = index; break }
            inner.append(character)
        }
        guard let closed else { throw Malformed(message: "unterminated search term") }
        let terms = try Self.terms(inner)
        let tail = rest[rest.index(after: closed)...].trimmingCharacters(in: .whitespaces)
        let words = tail.split(separator: " ", maxSplits: 4, omittingEmptySubsequences: true).map(String.init)
        var scope = Scope.all
        var remainder = tail
        if words.count >= 3, words[0].uppercased() == "IN", words[2].uppercased() == "FIELDS" {
            guard let parsed = Scope(rawValue: words[1].uppercased()) else { throw Malformed(message: "unknown search group \(words[1])") }
            scope = parsed
            remainder = words.dropFirst(3).joined(separator: " ")
        }
        guard remainder.uppercased().hasPrefix("RETURNING CONTACT("), let close = remainder.firstIndex(of: ")") else {
            throw Malformed(message: "expecting RETURNING Contact(…)")
        }
        let list = remainder[remainder.index(remainder.startIndex, offsetBy: "RETURNING Contact(".count)..<close]
        let fields = list.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        var limit: Int?
        let after = remainder[remainder.index(after: close)...].trimmingCharacters(in: .whitespaces)
        if !after.isEmpty {
            let parts = after.split(separator: " ")
            guard parts.count == 2, parts[0].uppercased() == "LIMIT", let value = Int(parts[1]), value > 0 else { throw Malformed(message: "unexpected \(after)") }
            limit = value
        }
        return SOSLSearch(terms: terms, scope: scope, fields: fields.isEmpty ? ["Id"] : fields, limit: limit)
    }

    /// `"a" OR "b" OR c` → [a, b, c], unescaped.
    private static func terms(_ text: String) throws(Malformed) -> [String] {
        var terms: [String] = []
        for part in text.components(separatedBy: " OR ") {
            var term = part.trimmingCharacters(in: .whitespaces)
            if term.hasPrefix("\""), term.hasSuffix("\""), term.count >= 2 { term = String(term.dropFirst().dropLast()) }
            var plain = ""
            var escaped = false
            for character in term {
                if escaped { plain.append(character); escaped = false } else if character == "\\" { escaped = true } else { plain.append(character) }
            }
            guard plain.count >= 2 else { throw Malformed(message: "search term must be longer than one character") }
            terms.append(plain)
        }
        return terms
    }

    /// Whether a contact's fields match a term in the search group: phone fields by their digits, whatever
    /// their formatting (Salesforce's phone search); other text case-insensitively.
    func matches(_ fields: [String: JSON]) -> Bool {
        let phones = ["Phone", "MobilePhone", "HomePhone", "OtherPhone"].compactMap { fields[$0]?.string }
        let emails = ["Email"].compactMap { fields[$0]?.string?.lowercased() }
        let names = ["FirstName", "LastName"].compactMap { fields[$0]?.string?.lowercased() }
        return terms.contains { term in
            let digits = term.filter(\.isNumber)
            let phoneMatch = digits.count >= 7 && phones.contains { phone in
                let held = phone.filter(\.isNumber)
                return held == digits || (held.count > digits.count ? held.hasSuffix(digits) && held.count - digits.count <= 3 : digits.hasSuffix(held) && digits.count - held.count <= 3 && held.count >= 7)
            }
            let lowered = term.lowercased()
            switch scope {
            case .phone: return phoneMatch
            case .email: return emails.contains(lowered)
            case .name: return names.contains(lowered)
            case .all: return phoneMatch || emails.contains(lowered) || names.contains(lowered)
            }
        }
    }
}

extension SalesforceState {
    /// `GET /search?q=<SOSL>`: contacts only, as `searchRecords`.
    func search(_ text: String?, version: String) -> Reply {
        guard let text, !text.isEmpty else {
            return SalesforceProblem.reply(.badRequest, [SalesforceProblem(code: "MALFORMED_SEARCH", message: "A search string has to be specified")])
        }
        let search: SOSLSearch
        do {
            search = try SOSLSearch.parse(text)
        } catch {
            return SalesforceProblem.reply(.badRequest, [SalesforceProblem(code: "MALFORMED_SEARCH", message: "Invalid SOSL: \(error.message)")])
        }
        let known = Set(SalesforceField.contact.map(\.name))
        if let unknown = search.fields.first(where: { !known.contains($0) }) {
            return SalesforceProblem.reply(.badRequest, [SalesforceProblem(code: "INVALID_FIELD", message: "No such column '\(unknown)' on entity 'Contact'.")])
        }
        var found = records.values.filter { !$0.deleted && search.matches($0.fields) }.sorted { $0.serial < $1.serial }
        if let limit = search.limit { found = Array(found.prefix(limit)) }
        return Reply(.ok, ["searchRecords": .array(found.map { recordJSON($0, fields: search.fields, version: version) })])
    }
}
