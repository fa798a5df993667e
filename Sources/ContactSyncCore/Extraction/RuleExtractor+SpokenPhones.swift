extension RuleExtractor {
    /// A run of words that says a number: where it starts and ends, its digits, and where scanning goes on.
    struct SpokenRun {
        var digits: [UInt8] = []
        var international = false
        /// Whether any digit was said as a word (a run of written digits alone is the written rule's).
        var spoken = false
        var firstWord = -1
        var lastWord = -1
        /// Whether the first word may be a filler rather than a digit ("oh", "um", French "un"…).
        var leadingFiller = false
        var next = 0
    }

    /// Words that are a digit in one language and a filler or article in another.
    static let fillerDigits: Set<String> = ["oh", "um", "un", "une", "una", "uma"]

    /// Numbers said digit by digit ("four one five, five five five, oh one four two", "double five",
    /// "cuatro uno cinco…", "plus four four…"), written digit groups among them, in a message that speaks of a
    /// phone (or was asked for one). Each word is read at most twice.
    static func spokenPhones(in text: ScannedText, defaultCountry: String, cued: () -> Bool) -> [Found] {
        var found: [Found] = []
        var index = 0
        while index < text.words.count {
            guard let run = spokenRun(from: index, in: text) else {
                index += 1
                continue
            }
            index = run.next
            guard run.spoken, (7...15).contains(run.digits.count), run.international || cued() else { continue }
            let start = text.trimmedPunctuation(text.words[run.firstWord]).start
            let end = text.trimmedPunctuation(text.words[run.lastWord]).end
            guard !isAnotherNumber(before: start, in: text) else { continue }
            guard let value = e164(run, defaultCountry: defaultCountry) else { continue }
            found.append(Found(value: value, quote: text.text(start, end)))
            if found.last?.value != found.first?.value { break }
        }
        return found
    }

    /// The run's number in E.164; when it is none and the first word may have been a filler, the number without it.
    private static func e164(_ run: SpokenRun, defaultCountry: String) -> String? {
        let digits = String(decoding: run.digits.map { $0 + UInt8(ascii: "0") }, as: UTF8.self)
        if let value = PhoneNumbers.e164((run.international ? "+" : "") + digits, defaultCountry: defaultCountry) { return value }
        guard run.leadingFiller, !run.international, run.digits.count > 7 else { return nil }
        return PhoneNumbers.e164(String(digits.dropFirst()), defaultCountry: defaultCountry)
    }

    /// The run of number words starting at word `from`, or nil when none starts there.
    static func spokenRun(from: Int, in text: ScannedText) -> SpokenRun? {
        let words = text.words
        var run = SpokenRun()
        var times = 1
        var index = from
        scan: while index < words.count, run.digits.count <= 15 {
            let word = words[index]
            let meaning = SpokenLexicon.meaning(of: word, in: text)
            switch meaning {
            case .plus? where run.firstWord < 0:
                run.international = true
                run.firstWord = index
            case .digit?, .oh?:
                let digit: UInt8 = if case .digit(let value)? = meaning { value } else { 0 }
                run.digits.append(contentsOf: repeatElement(digit, count: times))
                times = 1
                run.spoken = true
                if run.firstWord < 0 {
                    run.firstWord = index
                    run.leadingFiller = SpokenLexicon.key(word, in: text).map(fillerDigits.contains) ?? false
                }
                run.lastWord = index
            case .times(let count)? where times == 1:
                times = count
                if run.firstWord < 0 { run.firstWord = index }
            case nil:
                guard times == 1, let written = writtenDigits(word, in: text) else { break scan }
                run.digits.append(contentsOf: written)
                if run.firstWord < 0 { run.firstWord = index }
                run.lastWord = index
            default:
                break scan
            }
            index += 1
        }
        guard run.lastWord >= 0 else { return nil }
        run.next = max(index, from + 1)
        return run
    }

    /// The digits of a written group among spoken ones (`415`, `(415)`, `555-0142`), at most 15.
    private static func writtenDigits(_ word: ScannedText.Word, in text: ScannedText) -> [UInt8]? {
        let (start, end) = text.trimmedPunctuation(word)
        guard end > start, end - start <= 20 else { return nil }
        var digits: [UInt8] = []
        for index in start..<end {
            let byte = text[index]
            if byte.isASCIIDigit {
                digits.append(byte - UInt8(ascii: "0"))
            } else if byte != .hyphen, byte != .dot, byte != .openParenthesis, byte != .closeParenthesis {
                return nil
            }
        }
        return digits.isEmpty ? nil : digits
    }
}
