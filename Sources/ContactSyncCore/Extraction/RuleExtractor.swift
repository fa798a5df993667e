import Foundation

/// Takes emails, phone numbers and names from the customer's messages by rules (DESIGN §10). Nothing comes
/// from the agent's messages. A later message wins over an earlier one (customers correct themselves); a
/// message naming two different emails or numbers is ambiguous and gives none.
public enum RuleExtractor {
    /// The agent fields the rules can fill.
    public static let fields: Set<String> = ["email", "phone", "first_name", "last_name"]

    public static func extract(_ messages: [TranscriptMessage], wanted: Set<String>, defaultCountry: String) -> Extraction {
        var extraction = Extraction()
        for (index, message) in messages.enumerated().reversed() where message.isCustomer {
            if wanted.contains("email"), extraction.values["email"] == nil, let found = single(emails(in: message.text)) {
                extraction.fill("email", found.value, messageIndex: index, quote: found.quote)
            }
            if wanted.contains("phone"), extraction.values["phone"] == nil, let found = single(phones(in: message.text, defaultCountry: defaultCountry)) {
                extraction.fill("phone", found.value, messageIndex: index, quote: found.quote)
            }
            if wanted.contains("first_name") || wanted.contains("last_name"), extraction.values["first_name"] == nil, extraction.values["last_name"] == nil,
               let name = name(in: message.text)
            {
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
        guard let first = found.first, found.allSatisfy({ $0.value == first.value }) else { return nil }
        return first
    }

    // MARK: Emails

    static let emailPattern = try! NSRegularExpression(pattern: #"(?<![A-Za-z0-9._%+/:=-])[A-Za-z0-9][A-Za-z0-9._%+-]*@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,24}(?![A-Za-z0-9/@-])"#)

    /// Emails written out, or spoken ("jane dot doe at example dot com"). An address inside a URL is not the customer's.
    public static func emails(in text: String) -> [Found] {
        var found = matches(emailPattern, in: text).filter { !insideURL($0.range, of: text) }.compactMap { match -> Found? in
            let value = match.text.trimmingCharacters(in: CharacterSet(charactersIn: ".")).lowercased()
            return EmailAddress.normalize(value).map { Found(value: $0, quote: match.text) }
        }
        if found.isEmpty { found = spokenEmails(in: text) }
        return found
    }

    static let spokenPattern = try! NSRegularExpression(
        pattern: #"(?i)\b([a-z0-9]+(?:\s+(?:dot|underscore|dash|hyphen)\s+[a-z0-9]+|[._-][a-z0-9]+)*)\s+at\s+([a-z0-9-]+(?:\s+dot\s+[a-z0-9-]+|\.[a-z0-9-]+)+)\b"#)

    static func spokenEmails(in text: String) -> [Found] {
        matches(spokenPattern, in: text).compactMap { match in
            guard match.groups.count == 2 else { return nil }
            let local = spokenToSymbols(match.groups[0])
            let domain = spokenToSymbols(match.groups[1])
            // Only a domain spoken with "dot" or written with a known ending counts.
            guard let tld = domain.split(separator: ".").last, tld.count >= 2, tld.allSatisfy(\.isLetter) else { return nil }
            guard let email = EmailAddress.normalize(local + "@" + domain), !stopLocalParts.contains(local.lowercased()) else { return nil }
            return Found(value: email, quote: match.text)
        }
    }

    static let stopLocalParts: Set<String> = ["i", "we", "me", "you", "im", "look", "be", "am", "is", "are", "was", "here", "there", "home", "work"]

    static func spokenToSymbols(_ text: String) -> String {
        text.lowercased().split(whereSeparator: \.isWhitespace).map(String.init).reduce(into: "") { result, word in
            switch word {
            case "dot": result += "."
            case "underscore": result += "_"
            case "dash", "hyphen": result += "-"
            default: result += word
            }
        }
    }

    static func insideURL(_ range: Range<String.Index>, of text: String) -> Bool {
        var start = range.lowerBound
        while start > text.startIndex, !text[text.index(before: start)].isWhitespace { start = text.index(before: start) }
        let token = text[start..<range.upperBound].lowercased()
        return token.contains("://") || token.hasPrefix("www.") || token.contains("/")
    }

    // MARK: Phones

    static let phonePattern = try! NSRegularExpression(pattern: #"(?<![\w+])(?:\+|00)?\(?\d[\d\s().\-/]{5,}\d(?!\w)"#)
    static let phoneCues = ["phone", "mobile", "cell", "call", "reach", "number", "tel", "text me", "whatsapp", "landline", "+", "ring"]
    static let notPhones = ["order", "account", "invoice", "ticket", "reference", "ref ", "zip", "postal", "postcode", "card", "tracking", "booking", "confirmation", "id "]

    /// Phone numbers in E.164, from messages that speak of a phone (or write an international number).
    public static func phones(in text: String, defaultCountry: String) -> [Found] {
        let lowered = text.lowercased()
        return matches(phonePattern, in: text).compactMap { match in
            let candidate = match.text.trimmingCharacters(in: CharacterSet(charactersIn: " .-/"))
            let before = lowered[..<lowered.index(lowered.startIndex, offsetBy: text.distance(from: text.startIndex, to: match.range.lowerBound))]
            let context = String(before.suffix(30))
            guard candidate.hasPrefix("+") || phoneCues.contains(where: lowered.contains) else { return nil }
            guard !notPhones.contains(where: context.contains) else { return nil }
            guard !looksLikeDate(candidate) else { return nil }
            return PhoneNumbers.e164(candidate, defaultCountry: defaultCountry).map { Found(value: $0, quote: candidate) }
        }
    }

    static func looksLikeDate(_ text: String) -> Bool {
        text.range(of: #"^\d{1,4}[./-]\d{1,2}[./-]\d{1,4}$"#, options: .regularExpression) != nil
    }

    // MARK: Names

    /// Cue phrases, strongest first. After a strong cue a lowercase name (a voice transcript) is taken.
    static let cues: [(phrase: String, strong: Bool)] = [
        ("my name is", true), ("my name's", true), ("name is", true), ("name's", true), ("call me", true),
        ("this is", false), ("i'm", false), ("i am", false), ("it's", false), ("im", false),
    ]

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
        let lowered = text.lowercased()
        for cue in cues {
            var searchStart = lowered.startIndex
            while let range = lowered.range(of: cue.phrase, range: searchStart..<lowered.endIndex) {
                searchStart = range.upperBound
                // The cue starts a word.
                if range.lowerBound > lowered.startIndex, lowered[lowered.index(before: range.lowerBound)].isLetter { continue }
                let offset = lowered.distance(from: lowered.startIndex, to: range.upperBound)
                let rest = text[text.index(text.startIndex, offsetBy: offset)...]
                guard rest.first?.isWhitespace == true else { continue }
                var words: [String] = []
                var end = rest.startIndex
                for raw in rest.split(whereSeparator: \.isWhitespace).prefix(3) {
                    let word = raw.trimmingCharacters(in: CharacterSet(charactersIn: ",.!?;:\"()"))
                    let ends = raw.last.map { ",.!?;:".contains($0) } ?? false
                    guard isNameWord(word, strong: cue.strong), !stopWords.contains(word.lowercased()) else { break }
                    words.append(word)
                    end = raw.endIndex
                    if ends { break }
                }
                guard !words.isEmpty else { continue }
                let start = text.index(text.startIndex, offsetBy: lowered.distance(from: lowered.startIndex, to: range.lowerBound))
                let quote = String(text[start..<end]).trimmingCharacters(in: CharacterSet(charactersIn: ",.!?;:"))
                return (capitalised(words[0]), words.count > 1 ? capitalised(words[words.count - 1]) : nil, quote)
            }
        }
        return nil
    }

    static func isNameWord(_ word: String, strong: Bool) -> Bool {
        guard (2...30).contains(word.count), word.allSatisfy({ $0.isLetter || $0 == "-" || $0 == "'" }), word.first?.isLetter == true else { return false }
        return strong || word.first?.isUppercase == true
    }

    static func capitalised(_ word: String) -> String {
        word.first?.isUppercase == true ? word : word.prefix(1).uppercased() + word.dropFirst()
    }

    // MARK: Matching

    struct Match {
        let text: String
        let range: Range<String.Index>
        let groups: [String]
    }

    static func matches(_ pattern: NSRegularExpression, in text: String) -> [Match] {
        pattern.matches(in: text, range: NSRange(text.startIndex..., in: text)).compactMap { result in
            guard let range = Range(result.range, in: text) else { return nil }
            let groups = (1..<max(1, result.numberOfRanges)).compactMap { Range(result.range(at: $0), in: text).map { String(text[$0]) } }
            return Match(text: String(text[range]), range: range, groups: groups)
        }
    }
}
