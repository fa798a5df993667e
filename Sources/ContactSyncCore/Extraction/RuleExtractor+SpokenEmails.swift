extension RuleExtractor {
    /// Words before "at" that are never a local part ("I'm at home", "look at this").
    static let stopLocalParts: Set<String> = ["i", "we", "me", "you", "im", "look", "be", "am", "is", "are", "was", "here", "there", "home", "work"]

    /// The longest a spoken address may run, in words on either side of "at".
    static let spokenWordLimit = 24

    /// Addresses spoken word by word, in any of the six languages: a local part (words joined by "dot",
    /// "underscore", "dash" or their equivalents, or spelled letter by letter: "j o h n"), "at" ("arroba",
    /// "arobase"), and a domain spoken with "dot" ("punto", "ponto", "point", "punkt", "titik") or written with
    /// a dot. Each word is read a bounded number of times.
    static func spokenEmails(in text: ScannedText) -> [Found] {
        var found: [Found] = []
        var consumedWords = 0
        let words = text.words
        var index = 1
        while index + 1 < words.count {
            defer { index += 1 }
            guard index - 1 >= consumedWords, SpokenLexicon.meaning(of: words[index], in: text) == .at,
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
        guard var label = domainLabel(from: at + 1, in: text) else { return nil }
        var value = label.value
        var end = label.end
        var wordIndex = label.lastWord
        while label.whole, wordIndex + 2 < words.count, wordIndex - at < spokenWordLimit,
            SpokenLexicon.meaning(of: words[wordIndex + 1], in: text) == .dot,
            let next = domainLabel(from: wordIndex + 2, in: text)
        {
            value += "." + next.value
            end = next.end
            label = next
            wordIndex = next.lastWord
        }
        guard value.contains(".") else { return nil }
        return (value, end, wordIndex + 1)
    }

    /// A label of a spoken domain from the word at `first`: one word, or letters spelled one word each.
    private static func domainLabel(from first: Int, in text: ScannedText) -> (value: String, end: Int, whole: Bool, lastWord: Int)? {
        let words = text.words
        guard first < words.count, let piece = domainPiece(words[first], in: text) else { return nil }
        var value = piece.value
        var last = first
        if piece.whole, isSpelled(words[first], in: text) {
            while last + 1 < words.count, last - first < spokenWordLimit, isSpelled(words[last + 1], in: text) {
                last += 1
                value += text.text(words[last].start, words[last].end).lowercased()
            }
        }
        let end = last == first ? piece.end : words[last].end
        return (value, end, last == first ? piece.whole : true, last)
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
    /// (one word, or two: "guion bajo") joins them.
    private static func spokenLocal(before at: Int, notBefore first: Int, in text: ScannedText) -> (value: String, start: Int)? {
        guard var label = localLabel(endingAt: at - 1, notBefore: first, in: text) else { return nil }
        var value = label.value
        while label.whole, at - label.firstWord < spokenWordLimit,
            let separator = separator(before: label.firstWord, notBefore: first, in: text), separator.firstWord - 1 >= first,
            let previous = localLabel(endingAt: separator.firstWord - 1, notBefore: first, in: text)
        {
            value = previous.value + separator.symbol + value
            label = previous
        }
        return (value, label.start)
    }

    /// The separator said just before the word at `index`, and the word it starts at.
    private static func separator(before index: Int, notBefore first: Int, in text: ScannedText) -> (symbol: String, firstWord: Int)? {
        let words = text.words
        if index - 2 >= first, case .separator(let byte)? = SpokenLexicon.meaning(of: words[index - 2], words[index - 1], in: text) {
            return (String(UnicodeScalar(byte)), index - 2)
        }
        guard index - 1 >= first else { return nil }
        switch SpokenLexicon.meaning(of: words[index - 1], in: text) {
        case .dot?: return (".", index - 1)
        case .separator(let byte)?: return (String(UnicodeScalar(byte)), index - 1)
        default: return nil
        }
    }

    /// A label of a spoken local part ending with the word at `last`: one word, or letters spelled one word each.
    private static func localLabel(endingAt last: Int, notBefore first: Int, in text: ScannedText) -> (value: String, start: Int, whole: Bool, firstWord: Int)? {
        let words = text.words
        guard last >= first, let piece = localPiece(words[last], in: text) else { return nil }
        guard piece.whole, isSpelled(words[last], in: text) else { return (piece.value, piece.start, piece.whole, last) }
        var start = last
        while start - 1 >= first, last - start < spokenWordLimit, isSpelled(words[start - 1], in: text) { start -= 1 }
        let value = (start...last).map { text.text(words[$0].start, words[$0].end) }.joined().lowercased()
        return (value, words[start].start, true, start)
    }

    /// Whether the word is one letter or digit, as when an address is spelled out.
    private static func isSpelled(_ word: ScannedText.Word, in text: ScannedText) -> Bool {
        word.end - word.start == 1 && text[word.start].isASCIIAlphanumeric
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
