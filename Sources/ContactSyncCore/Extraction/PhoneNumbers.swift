/// Phone numbers to E.164 (`+` and 8 to 15 digits). International forms (`+44 20 …`, `0044 …`) keep their
/// country code; national forms take the default country's code after its trunk prefix is removed. Only
/// the countries in the table are known: a national number for any other country is not guessed.
public enum PhoneNumbers {
    /// A country's calling code, trunk prefix and the lengths of its national significant numbers.
    public struct Country: Sendable, Hashable {
        public let code: String
        public let trunk: String?
        public let lengths: ClosedRange<Int>
    }

    public static let countries: [String: Country] = [
        "US": Country(code: "1", trunk: "1", lengths: 10...10),
        "CA": Country(code: "1", trunk: "1", lengths: 10...10),
        "GB": Country(code: "44", trunk: "0", lengths: 9...10),
        "IE": Country(code: "353", trunk: "0", lengths: 7...9),
        "DE": Country(code: "49", trunk: "0", lengths: 6...11),
        "FR": Country(code: "33", trunk: "0", lengths: 9...9),
        "ES": Country(code: "34", trunk: nil, lengths: 9...9),
        "IT": Country(code: "39", trunk: nil, lengths: 6...11),
        "NL": Country(code: "31", trunk: "0", lengths: 9...9),
        "CH": Country(code: "41", trunk: "0", lengths: 9...9),
        "SE": Country(code: "46", trunk: "0", lengths: 7...9),
        "AU": Country(code: "61", trunk: "0", lengths: 9...9),
        "NZ": Country(code: "64", trunk: "0", lengths: 8...10),
        "IN": Country(code: "91", trunk: "0", lengths: 10...10),
        "BR": Country(code: "55", trunk: "0", lengths: 10...11),
        "MX": Country(code: "52", trunk: nil, lengths: 10...10),
        "JP": Country(code: "81", trunk: "0", lengths: 9...10),
        "ID": Country(code: "62", trunk: "0", lengths: 8...12),
        "PT": Country(code: "351", trunk: nil, lengths: 9...9),
        "AT": Country(code: "43", trunk: "0", lengths: 4...13),
        "BE": Country(code: "32", trunk: "0", lengths: 8...9),
        "AR": Country(code: "54", trunk: "0", lengths: 10...10),
        "CO": Country(code: "57", trunk: nil, lengths: 10...10),
        "CL": Country(code: "56", trunk: nil, lengths: 9...9),
        "PE": Country(code: "51", trunk: nil, lengths: 8...9),
    ]

    /// The digits of an E.164 number (`+14155550142` → `14155550142`) and, when its country is one of the
    /// known ones, its national significant number (`4155550142`).
    public static func digits(ofE164 number: String) -> (international: String, national: String?) {
        let digits = String(number.filter(\.isNumber))
        let country = countries.values
            .filter { digits.hasPrefix($0.code) && $0.lengths.contains(digits.count - $0.code.count) }
            .max { $0.code.count < $1.code.count }
        return (digits, country.map { String(digits.dropFirst($0.code.count)) })
    }

    /// The E.164 form of `text` (digits with spaces, dots, dashes, parentheses), or nil when it is not a
    /// phone number of a known form.
    public static func e164(_ text: String, defaultCountry: String) -> String? {
        var raw = text.trimmed
        raw = raw.replacingOccurrences(of: "(0)", with: "")
        let allowed = Set("0123456789+ .-()/")
        guard raw.allSatisfy({ allowed.contains($0) }) else { return nil }
        var digits = raw.filter(\.isNumber)
        if raw.hasPrefix("+") || digits.hasPrefix("00") {
            if !raw.hasPrefix("+") { digits.removeFirst(2) }
            guard (8...15).contains(digits.count), digits.first != "0" else { return nil }
            return "+" + digits
        }
        guard let country = countries[defaultCountry.uppercased()] else { return nil }
        if let trunk = country.trunk, digits.hasPrefix(trunk), country.lengths.contains(digits.count - trunk.count) {
            digits.removeFirst(trunk.count)
        }
        guard country.lengths.contains(digits.count), digits.first != "0" || country.trunk == nil else { return nil }
        return "+" + country.code + digits
    }
}
