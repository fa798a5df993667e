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
            guard !isLocalCharacter(before), before != .slash, before != .colon, before != .equals else { return nil }
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

    // MARK: Spoken

    static let stopLocalParts: Set<String> = ["i", "we", "me", "you", "im", "look", "be", "am", "is", "are", "was", "here", "there", "home", "work"]

    /// Spoken separators inside a local part.
    static let spokenSeparators: [(word: [UInt8], symbol: String)] = [
        (Array("dot".utf8), "."), (Array("underscore".utf8), "_"), (Array("dash".utf8), "-"), (Array("hyphen".utf8), "-"),
    ]
    static let spokenAt = Array("at".utf8)
    static let spokenDot = Array("dot".utf8)

    /// The longest a spoken address may run, in words on either side of "at".
    static let spokenWordLimit = 24

    /// Addresses spoken word by word: a local part (words joined by "dot", "underscore", "dash", "hyphen" or
    /// written separators), "at", and a domain spoken with "dot" or written with a dot.
    static func spokenEmails(in text: ScannedText) -> [Found] {
        var found: [Found] = []
        var consumedWords = 0
        let words = text.words
        var index = 1
        while index + 1 < words.count {
            defer { index += 1 }
            guard text.word(words[index], is: spokenAt), index - 1 >= consumedWords,
                let domain = spokenDomain(after: index, in: text),
                let local = spokenLocal(before: index, notBefore: consumedWords, in: text)
            else { continue }
            consumedWords = domain.nextWord
            index = domain.nextWord - 1
            guard let tld = domain.value.split(separator: ".").last, tld.count >= 2, tld.allSatisfy(\.isLetter) else { continue }
            guard !stopLocalParts.contains(local.value), let email = EmailAddress.normalize(local.value + "@" + domain.value) else { continue }
            found.append(Found(value: email, quote: text.text(local.start, domain.end)))
            if found.last?.value != found.first?.value { break }
        }
        return found
    }

    /// A spoken domain after the word at `at`: its value, where it ends, and the word after it.
    private static func spokenDomain(after at: Int, in text: ScannedText) -> (value: String, end: Int, nextWord: Int)? {
        let words = text.words
        var wordIndex = at + 1
        guard var piece = domainPiece(words[wordIndex], in: text) else { return nil }
        var value = piece.value
        var end = piece.end
        while piece.whole, wordIndex + 2 < words.count, wordIndex - at < spokenWordLimit, text.word(words[wordIndex + 1], is: spokenDot),
            let next = domainPiece(words[wordIndex + 2], in: text)
        {
            value += "." + next.value
            end = next.end
            piece = next
            wordIndex += 2
        }
        guard value.contains(".") else { return nil }
        return (value, end, wordIndex + 1)
    }

    /// The domain written at the start of `word`: letters, digits and hyphens, with single dots between
    /// them, ending at a word boundary. `whole` tells whether it is all of the word.
    private static func domainPiece(_ word: ScannedText.Word, in text: ScannedText) -> (value: String, end: Int, whole: Bool)? {
        var end = word.start
        while end < word.end {
            guard end - word.start < 254 else { return nil }
            let byte = text[end]
            if byte.isASCIIAlphanumeric || byte == .hyphen {
                end += 1
            } else if byte == .dot, end > word.start, end + 1 < word.end, text[end + 1].isASCIIAlphanumeric || text[end + 1] == .hyphen {
                end += 1
            } else {
                break
            }
        }
        guard end > word.start else { return nil }
        if end < word.end, text[end].isWordByte { return nil }
        return (text.text(word.start, end).lowercased(), end, end == word.end)
    }

    /// The spoken local part that ends with the word before `at`, taking words back while a separator
    /// joins them.
    private static func spokenLocal(before at: Int, notBefore first: Int, in text: ScannedText) -> (value: String, start: Int)? {
        let words = text.words
        guard var piece = localPiece(words[at - 1], in: text) else { return nil }
        var value = piece.value
        var index = at - 1
        while piece.whole, index - 2 >= first, at - index < spokenWordLimit, let separator = spokenSeparators.first(where: { text.word(words[index - 1], is: $0.word) })?.symbol,
            let previous = localPiece(words[index - 2], in: text)
        {
            value = previous.value + separator + value
            piece = previous
            index -= 2
        }
        return (value, piece.start)
    }

    /// A word as part of a spoken local part: letters and digits joined by `.`, `_` or `-`. Only the first
    /// word of a local part may follow punctuation (`whole` is false then: no word before it joins).
    private static func localPiece(_ word: ScannedText.Word, in text: ScannedText) -> (value: String, start: Int, whole: Bool)? {
        var start = word.start
        while start < word.end, !text[start].isWordByte { start += 1 }
        guard start < word.end, word.end - start <= 64 else { return nil }
        var previousJoins = true
        for index in start..<word.end {
            let byte = text[index]
            if byte.isASCIIAlphanumeric {
                previousJoins = false
            } else if byte == .dot || byte == .underscore || byte == .hyphen, !previousJoins {
                previousJoins = true
            } else {
                return nil
            }
        }
        guard !previousJoins else { return nil }
        return (text.text(start, word.end).lowercased(), start, start == word.start)
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
