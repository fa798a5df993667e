extension RuleExtractor {
    /// Phone numbers in E.164, written or spoken, from messages that speak of a phone, answer a question for
    /// one (`asked`), or give an international number. Stops once two different numbers were seen (the
    /// message is then ambiguous).
    public static func phones(in text: String, defaultCountry: String, asked: Bool = false) -> [Found] {
        phones(in: ScannedText(text), defaultCountry: defaultCountry, asked: asked)
    }

    static func phones(in text: ScannedText, defaultCountry: String, asked: Bool) -> [Found] {
        // Whether the message speaks of a phone, asked only once a national number needs it.
        var cued: Bool? = asked ? true : nil
        let isCued = {
            if cued == nil { cued = ExtractionCues.phoneCues.contains(where: text.contains) }
            return cued == true
        }
        let written = writtenPhones(in: text, defaultCountry: defaultCountry, cued: isCued)
        guard !isAmbiguous(written) else { return written }
        return written + spokenPhones(in: text, defaultCountry: defaultCountry, cued: isCued)
    }

    /// The longest a written phone number may run, separators included.
    static let maxWrittenLength = 40

    /// The characters a written number runs over after its first digit.
    static func isPhoneRunCharacter(_ byte: UInt8) -> Bool {
        byte.isASCIIDigit || byte.isASCIIWhitespace || byte == .openParenthesis || byte == .closeParenthesis || byte == .dot || byte == .hyphen
            || byte == .slash
    }

    /// Numbers written as an optional `+`, an optional `(`, then digits, spaces and `().-/` over at least 7
    /// characters, ending with a digit that no word character follows, and preceded by no word character
    /// or `+`. Each run of such characters is scanned once.
    static func writtenPhones(in text: ScannedText, defaultCountry: String, cued: () -> Bool) -> [Found] {
        var found: [Found] = []
        var normalised: [String: String?] = [:]
        var index = 0
        while index < text.count {
            guard let (start, end, next) = writtenNumber(at: index, in: text) else {
                index += 1
                continue
            }
            index = next
            // A written number has at most 15 digits and a few separators: anything longer is none.
            guard var start, var end, end - start <= maxWrittenLength else { continue }
            while start < end, isTrimmed(text[start]) { start += 1 }
            while end > start, isTrimmed(text[end - 1]) { end -= 1 }
            guard start < end else { continue }
            let international = text[start] == .plus
            guard international || cued(), !looksLikeDate(text.bytes[start..<end]) else { continue }
            let candidate = text.text(start, end)
            guard !isAnotherNumber(before: start, in: text) else { continue }
            // A message repeating one number normalises it once.
            let known = normalised[candidate]
            guard let value = known ?? PhoneNumbers.e164(candidate, defaultCountry: defaultCountry) else {
                normalised[candidate] = .some(nil)
                continue
            }
            if known == nil { normalised[candidate] = value }
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

    /// Whether the 30 bytes before a number name it as something else: an order, an account, a tax id.
    static func isAnotherNumber(before start: Int, in text: ScannedText) -> Bool {
        ExtractionCues.notPhones.contains { text.contains($0, in: max(0, start - 30)..<start) }
    }

    /// What is trimmed from either end of a written number.
    static func isTrimmed(_ byte: UInt8) -> Bool {
        byte == UInt8(ascii: " ") || byte == .dot || byte == .hyphen || byte == .slash
    }

    /// `2026-12-01`, `12/01/2026` and the like: three groups of digits (at most 4, 2 and 4) between `.`, `/` or `-`.
    static func looksLikeDate(_ bytes: ArraySlice<UInt8>) -> Bool {
        var lengths: [Int] = [0]
        for byte in bytes {
            if byte.isASCIIDigit {
                lengths[lengths.count - 1] += 1
            } else if byte == .dot || byte == .slash || byte == .hyphen, lengths.count < 3 {
                lengths.append(0)
            } else {
                return false
            }
        }
        return lengths.count == 3 && (1...4).contains(lengths[0]) && (1...2).contains(lengths[1]) && (1...4).contains(lengths[2])
    }
}
