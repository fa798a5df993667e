/// A transcript of the extraction corpus with the values a careful reader takes from it for the customer.
public struct CorpusTranscript: Sendable, Hashable, Codable {
    public var id: String
    /// `en`, `es`, `pt`, `fr`, `de` or `id`.
    public var language: String
    /// `text` or `voice`.
    public var channel: String
    /// The agent's default country for phone numbers.
    public var country: String
    /// What the transcript tests, in words (a trap says so).
    public var note: String?
    /// `[role, text]` pairs, role `agent` or `customer`.
    public var messages: [[String]]
    /// The customer's values by agent field (`email`, `phone`, `first_name`, `last_name`); empty for a trap.
    public var expected: [String: String]

    public init(id: String, language: String, channel: String, country: String, note: String? = nil, messages: [[String]], expected: [String: String]) {
        self.id = id
        self.language = language
        self.channel = channel
        self.country = country
        self.note = note
        self.messages = messages
        self.expected = expected
    }

    /// The messages as extraction reads them, or nil when a pair is malformed.
    public var transcript: [TranscriptMessage]? {
        let messages = messages.compactMap { pair -> TranscriptMessage? in
            guard pair.count == 2, pair[0] == "agent" || pair[0] == "customer" else { return nil }
            return TranscriptMessage(role: pair[0], text: pair[1])
        }
        return messages.count == self.messages.count ? messages : nil
    }
}

/// The rules measured against a corpus: per field and language, how many values were expected, how many were
/// found, and how many of those were right (the expected value, with evidence quoting a customer message).
public struct ExtractionEvaluation: Sendable, Codable {
    public struct Score: Sendable, Hashable, Codable {
        public var field: String
        public var language: String
        public var expected: Int
        public var extracted: Int
        public var correct: Int
        /// Right values among those found; 1 when none was found.
        public var precision: Double
        /// Expected values found; 1 when none was expected.
        public var recall: Double

        public init(field: String, language: String, expected: Int, extracted: Int, correct: Int) {
            self.field = field
            self.language = language
            self.expected = expected
            self.extracted = extracted
            self.correct = correct
            precision = extracted == 0 ? 1 : Double(correct) / Double(extracted)
            recall = expected == 0 ? 1 : Double(correct) / Double(expected)
        }
    }

    /// A value missed, or a value found that is not the expected one (or whose evidence is not the customer's).
    public struct Mistake: Sendable, Hashable, Codable {
        public var transcript: String
        public var field: String
        public var expected: String?
        public var found: String?
    }

    public var transcripts: Int
    /// Transcripts per language and per channel.
    public var languages: [String: Int]
    public var channels: [String: Int]
    public var scores: [Score]
    public var mistakes: [Mistake]

    /// Extracts every field of the rules from each transcript and compares with what it expects.
    public static func evaluate(_ corpus: [CorpusTranscript]) -> ExtractionEvaluation {
        struct Key: Hashable { let field: String, language: String }
        var counts: [Key: (expected: Int, extracted: Int, correct: Int)] = [:]
        var mistakes: [Mistake] = []
        var languages: [String: Int] = [:]
        var channels: [String: Int] = [:]
        for item in corpus {
            languages[item.language, default: 0] += 1
            channels[item.channel, default: 0] += 1
            let messages = item.transcript ?? []
            let found = RuleExtractor.extract(messages, wanted: RuleExtractor.fields, defaultCountry: item.country)
            for field in RuleExtractor.fields.sorted() {
                let key = Key(field: field, language: item.language)
                var count = counts[key] ?? (0, 0, 0)
                let expected = item.expected[field]
                let value = found.values[field]
                let quoted = found.evidence.contains {
                    $0.agentField == field && messages.indices.contains($0.messageIndex) && messages[$0.messageIndex].isCustomer
                        && messages[$0.messageIndex].text.contains($0.quote)
                }
                if expected != nil { count.expected += 1 }
                if value != nil { count.extracted += 1 }
                if let value, value == expected, quoted {
                    count.correct += 1
                } else if value != nil || expected != nil {
                    mistakes.append(Mistake(transcript: item.id, field: field, expected: expected, found: value))
                }
                counts[key] = count
            }
        }
        let ordered = counts.map { key, count in
            Score(field: key.field, language: key.language, expected: count.expected, extracted: count.extracted, correct: count.correct)
        }.sorted { ($0.field, $0.language) < ($1.field, $1.language) }
        return ExtractionEvaluation(transcripts: corpus.count, languages: languages, channels: channels, scores: ordered, mistakes: mistakes)
    }

    /// The scores below `precision` or `recall`, for fields with values expected or found.
    public func shortfalls(precision: Double = 1, recall: Double = 0.95) -> [Score] {
        scores.filter { $0.precision < precision || $0.recall < recall }
    }
}
