/// What the agent asked the customer for just before a customer turn: a customer turn that answers the
/// agent's question for an email, a phone or a name takes its cue from that question. Only the customer
/// messages up to the agent's next message answer it.
struct AgentQuestions {
    /// For each customer message answering a question: each kind asked, with the index of the agent message that asked.
    private(set) var asked: [Int: [AskedKind: Int]] = [:]
    /// For each customer message answering a question for a name: the languages the question was asked in.
    private(set) var nameLanguages: [Int: Set<String>] = [:]

    init(_ messages: [TranscriptMessage], isCancelled: () -> Bool) {
        var pending: [AskedKind: Int] = [:]
        var languages: Set<String> = []
        var previousWasCustomer = false
        for (index, message) in messages.enumerated() {
            if message.isCustomer {
                if !pending.isEmpty { asked[index] = pending }
                if !languages.isEmpty { nameLanguages[index] = languages }
                previousWasCustomer = true
                continue
            }
            if isCancelled() { break }
            if previousWasCustomer {
                pending = [:]
                languages = []
            }
            previousWasCustomer = false
            let question = Self.question(ScannedText(message.text))
            for kind in question.kinds { pending[kind] = index }
            languages.formUnion(question.nameLanguages)
        }
    }

    /// The agent message that asked the customer message at `index` for `kind`, if one did.
    func question(for kind: AskedKind, answeredAt index: Int) -> Int? {
        asked[index]?[kind]
    }

    /// Whether the customer message at `index` answers a question for a name (any of its kinds).
    func nameQuestion(answeredAt index: Int) -> (kind: AskedKind, question: Int, languages: Set<String>)? {
        guard let kinds = asked[index] else { return nil }
        for kind in [AskedKind.lastName, .firstName, .name] {
            if let question = kinds[kind] { return (kind, question, nameLanguages[index] ?? []) }
        }
        return nil
    }

    /// The kinds of value an agent's message asks for: those named in its sentences that ask (end with a
    /// question mark or make a request), unless the sentence is about something else ("your order number?").
    static func kinds(askedIn text: ScannedText) -> Set<AskedKind> {
        question(text).kinds
    }

    /// What an agent's message asks for, and the languages of the words that asked for a name.
    static func question(_ text: ScannedText) -> (kinds: Set<AskedKind>, nameLanguages: Set<String>) {
        var kinds: Set<AskedKind> = []
        var nameLanguages: Set<String> = []
        var sentenceStart = 0
        var named: Set<AskedKind> = []
        var languages: Set<String> = []
        for (index, word) in text.words.enumerated() {
            if let (kind, wordLanguages) = questionKind(word, in: text), kind != .phone || !asksForAnotherNumber(at: index, in: text) {
                named.insert(kind)
                if kind == .name { languages.formUnion(wordLanguages) }
            }
            let last = text[word.end - 1]
            let endsSentence = last == UInt8(ascii: "?") || last == .dot || last == UInt8(ascii: "!") || index == text.words.count - 1
            guard endsSentence else { continue }
            let range = text.words[sentenceStart].start..<word.end
            for (phrase, language) in ExtractionCues.questionPhrases where text.contains(phrase, in: range) {
                named.insert(.name)
                languages.insert(language)
            }
            if !named.isEmpty, asks(range, endingWith: last, in: text) {
                let asked = refined(named, range, in: text)
                kinds.formUnion(asked)
                if !asked.isDisjoint(with: [.name, .firstName, .lastName]) { nameLanguages.formUnion(languages) }
            }
            named = []
            languages = []
            sentenceStart = index + 1
        }
        return (kinds, nameLanguages)
    }

    /// The kind a word of a question names (`email`, `número`, `HP-nya`, `appelez-vous`).
    private static func questionKind(_ word: ScannedText.Word, in text: ScannedText) -> (AskedKind, Set<String>)? {
        guard let key = SpokenLexicon.key(word, in: text) else { return nil }
        if let kind = ExtractionCues.questionWords[key] { return kind }
        guard let hyphen = key.firstIndex(of: "-") else { return nil }
        return ExtractionCues.questionWords[String(key[..<hyphen])]
    }

    /// Whether the word for a number at `index` is about another number: an order, account or tax number
    /// named just before it ("your order number"), or right after it ("número de pedido", "nomor pesanan").
    private static func asksForAnotherNumber(at index: Int, in text: ScannedText) -> Bool {
        let words = text.words
        let word = words[index]
        if ExtractionCues.notPhones.contains(where: { text.contains($0, in: max(0, word.start - 20)..<word.end) }) { return true }
        var next = index + 1
        if next < words.count, let key = SpokenLexicon.key(words[next], in: text), ["de", "do", "da", "du", "des", "del", "der"].contains(key) { next += 1 }
        guard next < words.count else { return false }
        let following = words[next]
        return ExtractionCues.notPhones.contains { text.contains($0, in: following.start..<min(text.count, following.end + 1)) }
    }

    /// Whether the sentence over `range` asks: it ends with a question mark or makes a request.
    private static func asks(_ range: Range<Int>, endingWith last: UInt8, in text: ScannedText) -> Bool {
        last == UInt8(ascii: "?") || ExtractionCues.requestPhrases.contains { text.contains($0, in: range) }
    }

    /// The kinds a sentence asking for `named` really asks for.
    private static func refined(_ named: Set<AskedKind>, _ range: Range<Int>, in text: ScannedText) -> Set<AskedKind> {
        var kinds = named
        if kinds.contains(.name) {
            if ExtractionCues.notNameQuestions.contains(where: { text.contains($0, in: range) }) {
                kinds.remove(.name)
            } else if ExtractionCues.lastNamePhrases.contains(where: { text.contains($0, in: range) }) {
                kinds.remove(.name)
                kinds.insert(.lastName)
            } else if ExtractionCues.firstNamePhrases.contains(where: { text.contains($0, in: range) }) {
                kinds.remove(.name)
                kinds.insert(.firstName)
            }
        }
        return kinds
    }
}
