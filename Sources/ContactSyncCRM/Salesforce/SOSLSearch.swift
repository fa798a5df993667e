import ContactSyncCore

/// SOSL search terms, escaped as Salesforce documents: a backslash before each reserved character
/// (`? & | ! { } [ ] ( ) ^ ~ * : \ " ' + -`), each term quoted.
public enum SOSLTerm {
    static let reserved: Set<Character> = ["?", "&", "|", "!", "{", "}", "[", "]", "(", ")", "^", "~", "*", ":", "\\", "\"", "'", "+", "-"]

    /// `value` as a quoted SOSL term, safe inside `FIND {…}`.
    public static func quote(_ value: String) -> String {
        var result = "\""
        for character in value where !character.isNewline {
            if reserved.contains(character) { result.append("\\") }
            result.append(character)
        }
        return result + "\""
    }
}

extension SalesforceConnector {
    /// Phones searched in one SOSL statement.
    static let phonesPerSearch = 20

    /// `FIND {"14155550142" OR "4155550142" OR …} IN PHONE FIELDS RETURNING Contact(…)`: Salesforce matches
    /// phone fields by their digits, whatever their formatting; each record is then given to the numbers
    /// whose digits it holds.
    public func lookup(phones: [String], log: CRMCallLog?) async throws(CRMError) -> [String: [ContactMatch]] {
        let userId = try await identity(log: log).userId
        var found: [String: [ContactMatch]] = Dictionary(uniqueKeysWithValues: Set(phones).map { ($0, []) })
        for group in Array(Set(phones)).sorted().chunked(into: Self.phonesPerSearch) {
            let forms = group.map { PhoneNumbers.digits(ofE164: $0) }
            let terms = forms.flatMap { [$0.international] + ($0.national.map { [$0] } ?? []) }
            let sosl = "FIND {\(terms.map(SOSLTerm.quote).joined(separator: " OR "))} IN PHONE FIELDS RETURNING Contact(\(Self.lookupFields), Phone, MobilePhone)"
            let rows = try await call(.GET, "/search", route: "GET /search", query: [("q", sosl)], log: log).decode(SalesforceWire.SearchResult.self).searchRecords
            for row in rows {
                let held = [row.Phone, row.MobilePhone].compactMap { $0.map { String($0.filter(\.isNumber)) } }.filter { !$0.isEmpty }
                for (phone, digits) in zip(group, forms) where held.contains(where: { Self.samePhone($0, digits) }) {
                    found[phone, default: []].append(ContactMatch(
                        id: row.Id, createdDate: SalesforceWire.date(row.CreatedDate), createdByIntegration: userId != nil && row.CreatedById == userId))
                }
            }
        }
        return found
    }

    /// Whether a phone field's digits are this number: its international or national digits.
    static func samePhone(_ held: String, _ number: (international: String, national: String?)) -> Bool {
        held == number.international || held == number.national
    }
}
