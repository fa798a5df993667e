extension RuleExtractor {
    /// Emails written out, or spoken ("jane dot doe at example dot com"). An address inside a URL is not the
    /// customer's. Stops once two different addresses were seen (the message is then ambiguous).
    public static func emails(in text: String) -> [Found] {
        emails(in: ScannedText(text))
    }

    static func emails(in text: ScannedText) -> [Found] {
        var found = writtenEmails(in: text)
        if found.isEmpty { found = spokenEmails(in: text) }
        return found
    }

    // MARK: Written

    /// The characters of an address's local part as written in running text.
    static func isLocalCharacter(_ byte: UInt8) -> Bool {
        byte.isASCIIAlphanumeric || byte == .dot || byte == .underscore || byte == .percent || byte == .plus || byte == .hyphen
    }

    static func isDomainCharacter(_ byte: UInt8) -> Bool {
        byte.isASCIIAlphanumeric || byte == .dot || byte == .hyphen
    }

    /// Addresses written with `@`: a local part that starts with a letter or digit and follows no address
    /// or URL character, and a domain of non-empty labels ending in 2 to 24 letters that no further address
    /// or path character follows. Each `@` looks at most 65 characters back and scans its domain once.
    static func writtenEmails(in text: ScannedText) -> [Found] {
        var found: [Found] = []
        var consumed = 0
        for at in 0..<text.count where text[at] == .at && at >= consumed {
            guard let (start, end) = writtenEmail(around: at, in: text, notBefore: consumed) else { continue }
            consumed = end
            guard !insideURL(start, end, of: text) else { continue }
            let written = text.text(start, end)
            guard let value = EmailAddress.normalize(written) else { continue }
            found.append(Found(value: value, quote: written))
            if found.last?.value != found.first?.value { break }
        }
        return found
    }

    /// Where the address around the `@` at `at` starts and ends, if one does.
    private static func writtenEmail(around at: Int, in text: ScannedText, notBefore consumed: Int) -> (Int, Int)? {
        var start = at
        while start > consumed, at - start <= 64, isLocalCharacter(text[start - 1]) { start -= 1 }
        guard start < at, text[start].isASCIIAlphanumeric else { return nil }
        if start > 0 {
            let before = text[start - 1]
            // An address starts a word: after no address character, URL character or letter of another alphabet.
            guard !isLocalCharacter(before), before != .slash, before != .colon, before != .equals, before < 0x80 else { return nil }
        }
        var runEnd = at + 1
        while runEnd < text.count, isDomainCharacter(text[runEnd]) { runEnd += 1 }
        // The domain may end at the run's end or before any of its dots, and never after an empty label.
        var limit = runEnd
        var index = at + 1
        while index < runEnd {
            if text[index] == .dot, index == at + 1 || text[index - 1] == .dot {
                limit = index - 1
                break
            }
            index += 1
        }
        if limit == runEnd, runEnd > at + 1, text[runEnd - 1] == .dot { limit = runEnd - 1 }
        var end = limit
        while end > at + 1 {
            if endsAddress(at: end, runEnd: runEnd, in: text), let labelStart = lastLabelStart(at + 1, end, in: text), labelStart > at + 1 {
                let length = end - labelStart
                if (2...24).contains(length), (labelStart..<end).allSatisfy({ text[$0].isASCIILetter }) { return (start, end) }
            }
            // The next candidate ends before the previous dot.
            var dot = end - 1
            while dot > at + 1, text[dot] != .dot { dot -= 1 }
            guard dot > at + 1 else { return nil }
            end = dot
        }
        return nil
    }

    /// Whether an address may end before `end`: at the end of the run, what follows is no path or address
    /// character (nor a non-ASCII one, which might be a mark on the last letter); inside the run, a dot follows.
    private static func endsAddress(at end: Int, runEnd: Int, in text: ScannedText) -> Bool {
        guard end == runEnd else { return text[end] == .dot }
        guard end < text.count else { return true }
        let next = text[end]
        return next != .slash && next != .at && next < 0x80
    }

    /// Where the last label of the domain from `start` up to `end` starts.
    private static func lastLabelStart(_ start: Int, _ end: Int, in text: ScannedText) -> Int? {
        var index = end
        while index > start {
            if text[index - 1] == .dot { return index }
            index -= 1
        }
        return start
    }

    /// Whether the address from `start` to `end` sits in a URL: its whitespace-delimited word holds a `/`
    /// before the address ends, or starts with `www.`.
    static func insideURL(_ start: Int, _ end: Int, of text: ScannedText) -> Bool {
        let wordStart = text.wordStart(containing: start)
        if text.hasSlash(wordStart, end) { return true }
        return end - wordStart >= 4 && text.ends(at: wordStart + 4, with: Array("www.".utf8))
    }
}

extension UInt8 {
    static let at = UInt8(ascii: "@")
    static let dot = UInt8(ascii: ".")
    static let hyphen = UInt8(ascii: "-")
    static let underscore = UInt8(ascii: "_")
    static let percent = UInt8(ascii: "%")
    static let plus = UInt8(ascii: "+")
    static let slash = UInt8(ascii: "/")
    static let colon = UInt8(ascii: ":")
    static let equals = UInt8(ascii: "=")
    static let openParenthesis = UInt8(ascii: "(")
    static let closeParenthesis = UInt8(ascii: ")")
}
