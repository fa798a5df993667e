/// Takes emails, phone numbers and names from the customer's messages by rules (ARCHITECTURE §9). Nothing comes
/// from the agent's messages. A later message wins over an earlier one (customers correct themselves); a
/// message naming two different emails or numbers is ambiguous and gives none.
///
/// Every rule runs in time linear in the message's length (``ScannedText``): a message is untrusted text of
/// up to the message length limit, and extraction must never stall the process whatever it holds.
public enum RuleExtractor {
    /// The agent fields the rules can fill.
    public static let fields: Set<String> = ["email", "phone", "first_name", "last_name"]

    /// What the customer's messages give for `wanted`. `isCancelled` is asked between messages; once it
    /// answers true, what was found so far is returned.
    public static func extract(
        _ messages: [TranscriptMessage], wanted: Set<String>, defaultCountry: String, isCancelled: () -> Bool = { false }
    ) -> Extraction {
        var extraction = Extraction()
        let wantsName = wanted.contains("first_name") || wanted.contains("last_name")
        for (index, message) in messages.enumerated().reversed() where message.isCustomer {
            if isCancelled() { break }
            let needsEmail = wanted.contains("email") && extraction.values["email"] == nil
            let needsPhone = wanted.contains("phone") && extraction.values["phone"] == nil
            let needsName = wantsName && extraction.values["first_name"] == nil && extraction.values["last_name"] == nil
            guard needsEmail || needsPhone || needsName else { break }
            let text = ScannedText(message.text)
            if needsEmail, let found = single(emails(in: text)) {
                extraction.fill("email", found.value, messageIndex: index, quote: found.quote)
            }
            if needsPhone, let found = single(phones(in: text, defaultCountry: defaultCountry)) {
                extraction.fill("phone", found.value, messageIndex: index, quote: found.quote)
            }
            if needsName, let name = name(in: text) {
                if wanted.contains("first_name") { extraction.fill("first_name", name.first, messageIndex: index, quote: name.quote) }
                if wanted.contains("last_name"), let last = name.last { extraction.fill("last_name", last, messageIndex: index, quote: name.quote) }
            }
        }
        extraction.evidence.sort { ($0.messageIndex, $0.agentField) < ($1.messageIndex, $1.agentField) }
        return extraction
    }

    /// A value found in a message, with the words it was found in.
    public struct Found: Sendable, Hashable {
        public let value: String
        public let quote: String
    }

    /// The one value among `found` (duplicates allowed), or nil when there are none or several.
    static func single(_ found: [Found]) -> Found? {
        guard let first = found.first, !isAmbiguous(found) else { return nil }
        return first
    }

    /// Whether `found` holds two different values.
    static func isAmbiguous(_ found: [Found]) -> Bool {
        guard let first = found.first else { return false }
        return found.contains { $0.value != first.value }
    }

    // MARK: Names

    /// Cue phrases, strongest first. After a strong cue a lowercase name (a voice transcript) is taken.
    static let cues: [(words: [[UInt8]], strong: Bool)] = [
        ("my name is", true), ("my name's", true), ("name is", true), ("name's", true), ("call me", true),
        ("this is", false), ("i'm", false), ("i am", false), ("it's", false), ("im", false),
    ].map { ($0.0.split(separator: " ").map { Array($0.utf8) }, $0.1) }

    static let stopWords: Set<String> = [
        "a", "an", "the", "fine", "good", "great", "ok", "okay", "well", "interested", "calling", "looking", "here", "just", "not",
        "sorry", "trying", "wondering", "happy", "glad", "sure", "afraid", "ready", "new", "back", "still", "also", "currently",
        "having", "going", "getting", "writing", "reaching", "contacting", "done", "busy", "available", "tired", "from", "with",
        "in", "on", "at", "about", "so", "very", "really", "and", "or", "but", "to", "for", "of", "your", "my", "our", "their",
        "thinking", "hoping", "planning", "moving", "leaving", "based", "located", "retired", "working", "curious", "concerned",
        "unable", "able", "confused", "frustrated", "excited", "fine,", "thanks", "thank", "hi", "hello", "hey", "yes",
        "no", "yeah", "correct", "right", "wrong", "that", "it", "this", "there", "what", "who", "how", "why", "when", "where",
        "email", "phone", "number", "name", "customer", "client", "manager", "owner", "ceo", "all", "set", "after", "before",
        "later", "tomorrow", "today", "tonight", "now", "anytime", "any", "whenever", "maybe", "please", "if", "again",
    ]

    /// A full or first name after a cue phrase, as it should be stored (capitalised).
    public static func name(in text: String) -> (first: String, last: String?, quote: String)? {
        name(in: ScannedText(text))
    }

    /// Each cue is looked for word by word, and at most three words after it are read: linear in the words.
    static func name(in text: ScannedText) -> (first: String, last: String?, quote: String)? {
        let words = text.words
        for cue in cues {
            let length = cue.words.count
            var index = 0
            while index + length < words.count {
                defer { index += 1 }
                guard let start = cueStart(cue.words, at: index, in: text) else { continue }
                var names: [String] = []
                var end = words[index + length - 1].end
                for word in words[(index + length)...].prefix(3) {
                    // A name word has at most 30 characters of at most 4 bytes, with punctuation around it.
                    guard mayBeName(word, strong: cue.strong, in: text) else { break }
                    let raw = text.text(word.start, word.end)
                    let trimmed = raw.trimmingCharacters(in: [",", ".", "!", "?", ";", ":", "\"", "(", ")"])
                    guard isNameWord(trimmed, strong: cue.strong), !stopWords.contains(trimmed.lowercased()) else { break }
                    names.append(trimmed)
                    end = word.end
                    if let last = raw.last, ",.!?;:".contains(last) { break }
                }
                guard !names.isEmpty else { continue }
                let quote = text.text(start, end).trimmingCharacters(in: [",", ".", "!", "?", ";", ":"])
                return (capitalised(names[0]), names.count > 1 ? capitalised(names[names.count - 1]) : nil, quote)
            }
        }
        return nil
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
        guard (2...30).contains(word.count), word.allSatisfy({ $0.isLetter || $0 == "-" || $0 == "'" }), word.first?.isLetter == true else { return false }
        return strong || word.first?.isUppercase == true
    }

    static func capitalised(_ word: String) -> String {
        word.first?.isUppercase == true ? word : word.prefix(1).uppercased() + word.dropFirst()
    }
}
