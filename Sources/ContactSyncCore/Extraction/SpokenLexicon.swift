/// The words that stand for digits and symbols when a customer says a value out loud (a voice transcript
/// writes what it hears: "four one five", "double five", "jane punto doe arroba gmail punto com"), in the six
/// languages the rules know: English, Spanish, Portuguese, French, German and Indonesian.
///
/// One table serves every language: no word means one thing in one of them and another thing in another.
enum SpokenLexicon {
    /// What a spoken word stands for.
    enum Meaning: Equatable, Sendable {
        /// A digit, 0 to 9.
        case digit(UInt8)
        /// English "oh": a zero inside a run of spoken digits, an interjection elsewhere.
        case oh
        /// "double" or "triple": the next digit said two or three times.
        case times(Int)
        /// `+` before an international number.
        case plus
        /// `@` in an address.
        case at
        /// `.` in an address.
        case dot
        /// `_` or `-` in the local part of an address.
        case separator(UInt8)
    }

    static let digits: [(UInt8, [String])] = [
        (0, ["zero", "cero", "zéro", "null", "nol", "kosong"]),
        (1, ["one", "uno", "una", "um", "uma", "un", "une", "eins", "satu"]),
        (2, ["two", "dos", "dois", "duas", "deux", "zwei", "zwo", "dua"]),
        (3, ["three", "tres", "três", "trois", "drei", "tiga"]),
        (4, ["four", "cuatro", "quatro", "quatre", "vier", "empat"]),
        (5, ["five", "cinco", "cinq", "fünf", "fuenf", "lima"]),
        (6, ["six", "seis", "meia", "sechs", "enam"]),
        (7, ["seven", "siete", "sete", "sept", "sieben", "tujuh"]),
        (8, ["eight", "ocho", "oito", "huit", "acht", "delapan"]),
        (9, ["nine", "nueve", "nove", "neuf", "neun", "sembilan"]),
    ]

    /// Single words.
    static let words: [String: Meaning] = {
        var words: [String: Meaning] = [:]
        for (digit, names) in digits {
            for name in names { words[name] = .digit(digit) }
        }
        words["oh"] = .oh
        words["double"] = .times(2)
        words["triple"] = .times(3)
        for word in ["plus", "más", "mais"] { words[word] = .plus }
        for word in ["at", "arroba", "arobase", "arrobase", "ät"] { words[word] = .at }
        for word in ["dot", "punto", "ponto", "point", "punkt", "titik"] { words[word] = .dot }
        for word in ["underscore", "underline", "sublinhado", "unterstrich"] { words[word] = .separator(.underscore) }
        for word in ["dash", "hyphen", "guion", "guión", "hífen", "hifen", "traço", "tiret", "bindestrich", "strip"] { words[word] = .separator(.hyphen) }
        return words
    }()

    /// Two words that together stand for one symbol, looked for before either word alone.
    static let pairs: [String: Meaning] = [
        "guion bajo": .separator(.underscore), "guión bajo": .separator(.underscore), "tiret bas": .separator(.underscore),
        "garis bawah": .separator(.underscore), "trait d'union": .separator(.hyphen),
    ]

    /// The bytes that start an entry of the tables (ASCII in lower case): a word starting with another byte
    /// means nothing, and is passed over without building a string.
    static let firstBytes: Set<UInt8> = Set((Array(words.keys) + Array(pairs.keys)).flatMap { [$0.utf8.first!, $0.uppercased().utf8.first!] })

    /// The longest word in the tables, in UTF-8 bytes: longer words are not looked up.
    static let longestWord = 16

    /// The word's meaning, ignoring case and the punctuation around it.
    static func meaning(of word: ScannedText.Word, in text: ScannedText) -> Meaning? {
        guard mayMean(word, in: text), let key = key(word, in: text) else { return nil }
        return words[key]
    }

    /// Whether the word, past the punctuation before it, starts with a byte an entry starts with.
    static func mayMean(_ word: ScannedText.Word, in text: ScannedText) -> Bool {
        var start = word.start
        while start < word.end, ScannedText.isPunctuation(text[start]) || text[start] == 0xC2 || text[start] == 0xBF || text[start] == 0xA1 { start += 1 }
        return start < word.end && firstBytes.contains(text[start])
    }

    /// The meaning of two words said together (`guion bajo`).
    static func meaning(of first: ScannedText.Word, _ second: ScannedText.Word, in text: ScannedText) -> Meaning? {
        guard let one = key(first, in: text, trailing: false), let two = key(second, in: text) else { return nil }
        return pairs[one + " " + two]
    }

    /// The word in lower case without the punctuation around it, if it is short enough to be in the tables.
    static func key(_ word: ScannedText.Word, in text: ScannedText, trailing: Bool = true) -> String? {
        let (start, end) = text.trimmedPunctuation(word)
        guard end > start, end - start <= longestWord else { return nil }
        if !trailing, end != word.end { return nil }
        var ascii = true
        var bytes: [UInt8] = []
        bytes.reserveCapacity(end - start)
        for index in start..<end {
            let byte = text[index]
            ascii = ascii && byte < 0x80
            bytes.append(byte.asciiLowercased)
        }
        let key = String(decoding: bytes, as: UTF8.self)
        return ascii ? key : key.lowercased()
    }
}
