extension RuleExtractor {
    static let phoneCues = ["phone", "mobile", "cell", "call", "reach", "number", "tel", "text me", "whatsapp", "landline", "+", "ring"].map { Array($0.utf8) }
    static let notPhones = ["order", "account", "invoice", "ticket", "reference", "ref ", "zip", "postal", "postcode", "card", "tracking", "booking", "confirmation", "id "]

    /// Phone numbers in E.164, from messages that speak of a phone (or write an international number).
    /// Stops once two different numbers were seen (the message is then ambiguous).
    public static func phones(in text: String, defaultCountry: String) -> [Found] {
        phones(in: ScannedText(text), defaultCountry: defaultCountry)
    }

    /// The characters a written number runs over after its first digit.
    static func isPhoneRunCharacter(_ byte: UInt8) -> Bool {
        byte.isASCIIDigit || byte.isASCIIWhitespace || byte == .openParenthesis || byte == .closeParenthesis || byte == .dot || byte == .hyphen
            || byte == .slash
    }

    /// Numbers written as an optional `+`, an optional `(`, then digits, spaces and `().-/` over at least 7
    /// characters, ending with a digit that no word character follows, and preceded by no word character
    /// or `+`. Each run of such characters is scanned once.
    static func phones(in text: ScannedText, defaultCountry: String) -> [Found] {
        // Whether the message speaks of a phone, asked only once a national number needs it.
        var cued: Bool?
        var found: [Found] = []
        var index = 0
        while index < text.count {
            guard let (start, end, next) = writtenNumber(at: index, in: text) else {
                index += 1
                continue
            }
            index = next
            guard let start, let end else { continue }
            let candidate = text.text(start, end).trimmingCharacters(in: [" ", ".", "-", "/"])
            let context = text.text(text.characterStart(max(0, start - 30)), start).lowercased()
            if !candidate.hasPrefix("+"), cued == nil { cued = phoneCues.contains(where: text.contains) }
            guard candidate.hasPrefix("+") || cued == true, !notPhones.contains(where: context.contains), !looksLikeDate(candidate) else { continue }
            guard let value = PhoneNumbers.e164(candidate, defaultCountry: defaultCountry) else { continue }
            found.append(Found(value: value, quote: candidate))
            if found.last?.value != found.first?.value { break }
        }
        return found
    }

    /// The number that starts at `index`: where it starts and ends (nil when the run there makes none) and
    /// where scanning goes on; nil when no number can start at `index`.
    private static func writtenNumber(at index: Int, in text: ScannedText) -> (start: Int?, end: Int?, next: Int)? {
        let first = text[index]
        guard first == .plus || first == .openParenthesis || first.isASCIIDigit else { return nil }
        if index > 0, text[index - 1].isWordByte || text[index - 1] == .plus { return nil }
        var digit = index
        if text[digit] == .plus { digit += 1 }
        if digit < text.count, text[digit] == .openParenthesis { digit += 1 }
        guard digit < text.count, text[digit].isASCIIDigit else { return nil }
        var runEnd = digit + 1
        while runEnd < text.count, isPhoneRunCharacter(text[runEnd]) { runEnd += 1 }
        // The last digit, at least six characters after the first, that no word character follows.
        var last = runEnd - 1
        while last >= digit + 6 {
            if text[last].isASCIIDigit, last + 1 == text.count || !text[last + 1].isWordByte { return (index, last + 1, last + 1) }
            last -= 1
        }
        // A later start inside this run would end the same way: none makes a number.
        return (nil, nil, runEnd)
    }

    /// `2026-12-01`, `12/01/2026` and the like.
    static func looksLikeDate(_ text: String) -> Bool {
        let parts = text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "." || $0 == "/" || $0 == "-" })
        guard parts.count == 3, parts.allSatisfy({ !$0.isEmpty && $0.allSatisfy({ $0.asciiValue.map { (48...57).contains($0) } ?? false }) }) else { return false }
        return parts[0].count <= 4 && parts[1].count <= 2 && parts[2].count <= 4
    }
}
