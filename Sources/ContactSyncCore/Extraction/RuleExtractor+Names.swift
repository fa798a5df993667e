extension RuleExtractor {
    /// A name found in a message: the given name, the family name (either may be missing), and the words quoted.
    public struct Name: Sendable, Hashable {
        public let first: String?
        public let last: String?
        public let quote: String
    }

    /// The most words a name runs over, besides particles ("da", "van der").
    static let nameWordLimit = 3

    /// A full or given name after a cue phrase, as it should be stored (capitalised).
    public static func name(in text: String) -> Name? {
        name(in: ScannedText(text))
    }

    /// Each word is looked up once among the cues' first words, and a bounded number of words after a cue are
    /// read: linear in the words. The strongest cue found wins (the earliest of its kind in the message).
    static func name(in text: ScannedText) -> Name? {
        let words = text.words
        var best: (cue: Int, name: Name)?
        for index in words.indices {
            guard let candidates = ExtractionCues.nameCuesByFirstWord[cueKey(words[index], in: text)] else { continue }
            for cueIndex in candidates where best.map({ cueIndex < $0.cue }) ?? true {
                let cue = ExtractionCues.nameCues[cueIndex]
                guard index + cue.words.count < words.count, let start = cueStart(cue.words, at: index, in: text),
                    let name = nameWords(from: index + cue.words.count, strong: cue.strong, notNames: ExtractionCues.notNamesAfterCue[cue.language] ?? [], in: text)
                else { continue }
                let quote = trimming(text.text(start, name.end), Self.closingMarks)
                best = (cueIndex, Name(first: name.first, last: name.last, quote: quote))
                break
            }
        }
        return best?.name
    }

    /// The letters and apostrophes that end a word, in lower case: where a cue's first word would stand ("hi,my" → "my").
    static func cueKey(_ word: ScannedText.Word, in text: ScannedText) -> String {
        // Most words end with a byte no cue's first word ends with: they are passed over without building a string.
        guard ExtractionCues.cueLastBytes.contains(text[word.end - 1].asciiLowercased) else { return "" }
        var start = word.end
        while start > word.start, word.end - start < 32 {
            let byte = text[start - 1]
            guard byte.isLetterLike || byte == UInt8(ascii: "'") else { break }
            start -= 1
        }
        return String(decoding: (start..<word.end).map { text[$0].asciiLowercased }, as: UTF8.self)
    }

    /// A name given as the bare answer to the agent's question for one ("Jane Doe", "sure, it's jane",
    /// "Sí, María López", "Dengan Budi"): short, a few words around it that are not the value, and nothing else
    /// unless punctuation ends the name. `kind` tells whether the question was for a full, given or family name.
    static func nameAnswer(in text: ScannedText, to kind: AskedKind, languages: Set<String>) -> Name? {
        let words = text.words
        guard words.count <= 12 else { return nil }
        var index = 0
        while index < words.count, let key = SpokenLexicon.key(words[index], in: text), ExtractionCues.answerFillers.contains(key) {
            // A filler that ends with punctuation ("Sure,") still lets the name follow.
            index += 1
        }
        let notNames = ExtractionCues.notNames(in: languages.isEmpty ? Set(ExtractionCues.notNames.keys) : languages)
        guard let name = nameWords(from: index, strong: true, notNames: notNames, in: text) else { return nil }
        // After the name: nothing, or only fillers ("thanks"), unless the name ended a clause.
        if !name.closed {
            for word in words[name.nextWord...] {
                guard let key = SpokenLexicon.key(word, in: text), ExtractionCues.answerFillers.contains(key) else { return nil }
            }
        }
        let quote = trimming(text.text(words[index].start, name.end), Self.closingMarks)
        switch kind {
        case .lastName: return Name(first: nil, last: name.words.joined(separator: " "), quote: quote)
        case .firstName: return Name(first: name.words.joined(separator: " "), last: nil, quote: quote)
        default: return Name(first: name.first, last: name.last, quote: quote)
        }
    }

    /// Marks trimmed from the ends of a quote.
    static let closingMarks: Set<Unicode.Scalar> = [",", ".", "!", "?", ";", ":"]
    /// Marks trimmed from the ends of a name word.
    static let nameWordMarks: Set<Unicode.Scalar> = closingMarks.union(["\"", "(", ")"])

    /// `text` without the scalars of `marks` at either end, as `trimmingCharacters(in:)` trims them, without
    /// building a character set for every word.
    static func trimming(_ text: String, _ marks: Set<Unicode.Scalar>) -> String {
        let scalars = text.unicodeScalars
        var start = scalars.startIndex
        var end = scalars.endIndex
        while start < end, marks.contains(scalars[start]) { start = scalars.index(after: start) }
        while start < end, marks.contains(scalars[scalars.index(before: end)]) { end = scalars.index(before: end) }
        return String(scalars[start..<end])
    }

    /// The name whose words start at word `from`: a title first is read (a family title makes a single name the
    /// family name), then up to three name words, with particles ("da", "de la") kept with the name after
    /// them after a strong cue.
    private static func nameWords(from: Int, strong: Bool, notNames: Set<String>, in text: ScannedText)
        -> (first: String?, last: String?, words: [String], end: Int, nextWord: Int, closed: Bool)?
    {
        let words = text.words
        var index = from
        var familyTitle = false
        if index < words.count, let key = SpokenLexicon.key(words[index], in: text) {
            if ExtractionCues.familyTitles.contains(key) {
                familyTitle = true
                index += 1
            } else if ExtractionCues.givenTitles.contains(key) {
                index += 1
            }
        }
        var names: [String] = []
        var particles: [String] = []
        var lastName: [String] = []
        var end = 0
        var closed = false
        var firstCapital: Bool?
        while index < words.count, names.count < nameWordLimit, particles.count < 3 {
            let word = words[index]
            guard mayBeName(word, strong: strong, in: text) else { break }
            let raw = text.text(word.start, word.end)
            let trimmed = trimming(raw, Self.nameWordMarks)
            let lower = trimmed.lowercased()
            if !names.isEmpty, strong, ExtractionCues.nameParticles.contains(lower) {
                // A particle belongs to the name only when a name word follows it.
                particles.append(trimmed)
                index += 1
                continue
            }
            guard isNameWord(trimmed, strong: strong), !notNames.contains(lower) else { break }
            // A name is written all in capitals or all in lower case (a transcript): "Premium plan" is no name.
            let capital = trimmed.first?.isUppercase == true
            if let firstCapital, firstCapital != capital { break }
            firstCapital = capital
            names.append(capitalised(trimmed))
            lastName = particles + [capitalised(trimmed)]
            particles = []
            end = word.end
            index += 1
            if let last = raw.last, ",.!?;:".contains(last) {
                closed = true
                break
            }
        }
        guard !names.isEmpty else { return nil }
        let nextWord = index - particles.count
        let first = familyTitle && names.count == 1 ? nil : names[0]
        let last = familyTitle && names.count == 1 ? names[0] : names.count > 1 ? lastName.joined(separator: " ") : nil
        return (first, last, names, end, nextWord, closed)
    }

    /// Where the cue starts when its words stand at `index`: the first may follow punctuation in its word
    /// (never a letter), the others are whole words.
    private static func cueStart(_ cue: [[UInt8]], at index: Int, in text: ScannedText) -> Int? {
        let words = text.words
        for offset in 1..<cue.count where !text.word(words[index + offset], is: cue[offset]) { return nil }
        let word = words[index]
        let first = cue[0]
        guard word.end - word.start >= first.count, text.ends(at: word.end, with: first) else { return nil }
        let start = word.end - first.count
        guard start == word.start || !text[start - 1].isLetterLike else { return nil }
        return start
    }

    /// A quick look at a word's bytes before ``isNameWord(_:strong:)`` reads it as text: at most 30 characters
    /// (of at most 4 bytes) of letters, hyphens and apostrophes inside punctuation, starting with a letter that
    /// after a weak cue is a capital (or not ASCII).
    private static func mayBeName(_ word: ScannedText.Word, strong: Bool, in text: ScannedText) -> Bool {
        guard word.end - word.start <= 130 else { return false }
        var start = word.start
        var end = word.end
        while start < end, namePunctuation.contains(text[start]) { start += 1 }
        while end > start, namePunctuation.contains(text[end - 1]) { end -= 1 }
        guard end - start >= 2, text[start].isLetterLike, strong || !(97...122).contains(text[start]) else { return false }
        for index in start..<end where !(text[index].isLetterLike || text[index] == .hyphen || text[index] == UInt8(ascii: "'")) { return false }
        return true
    }

    private static let namePunctuation: Set<UInt8> = Set(",.!?;:\"()".utf8)

    static func isNameWord(_ word: String, strong: Bool) -> Bool {
        guard (2...30).contains(word.count), word.allSatisfy({ $0.isLetter || $0 == "-" || $0 == "'" || $0 == "\u{2019}" }), word.first?.isLetter == true else {
            return false
        }
        return strong || word.first?.isUppercase == true
    }

    static func capitalised(_ word: String) -> String {
        word.first?.isUppercase == true ? word : word.prefix(1).uppercased() + word.dropFirst()
    }
}
