/// How an agent fills values and a summary the platform did not supply (ARCHITECTURE §9).
public struct ExtractionSettings: Sendable, Hashable, Codable {
    public enum Mode: String, Sendable, Hashable, Codable, CaseIterable {
        /// Nothing is taken from the transcript.
        case off
        /// Emails, phones and names by rules.
        case rules
        /// The rules, then a language model for the other fields and the summary.
        case model
    }

    public var mode: Mode
    /// ISO 3166 alpha-2 country for phone numbers given without a country code.
    public var defaultCountry: String
    /// Whether the model writes a summary when none was supplied.
    public var generateSummary: Bool

    public init(mode: Mode = .rules, defaultCountry: String = "US", generateSummary: Bool = true) {
        self.mode = mode
        self.defaultCountry = defaultCountry
        self.generateSummary = generateSummary
    }
}

/// A message of a transcript as extraction sees it.
public struct TranscriptMessage: Sendable, Hashable {
    /// `customer` or `agent`.
    public var role: String
    public var text: String

    public init(role: String, text: String) {
        self.role = role
        self.text = text
    }

    public var isCustomer: Bool { role == "customer" }
}

/// Where an extracted value came from: the customer message (its index in the transcript) and the words quoted,
/// and, when the message answered the agent's question for the value, that question's index.
public struct Evidence: Sendable, Hashable, Codable {
    public var agentField: String
    public var messageIndex: Int
    public var quote: String
    public var questionIndex: Int?

    public init(agentField: String, messageIndex: Int, quote: String, questionIndex: Int? = nil) {
        self.agentField = agentField
        self.messageIndex = messageIndex
        self.quote = quote
        self.questionIndex = questionIndex
    }
}

/// Values taken from a transcript, each with its evidence, and perhaps a summary.
public struct Extraction: Sendable, Hashable {
    public var values: [String: String]
    public var evidence: [Evidence]
    public var summary: String?

    public init(values: [String: String] = [:], evidence: [Evidence] = [], summary: String? = nil) {
        self.values = values
        self.evidence = evidence
        self.summary = summary
    }

    /// Adds `value` for `field` unless the field has one already.
    public mutating func fill(_ field: String, _ value: String, messageIndex: Int, quote: String, questionIndex: Int? = nil) {
        guard values[field] == nil else { return }
        values[field] = value
        evidence.append(Evidence(agentField: field, messageIndex: messageIndex, quote: quote, questionIndex: questionIndex))
    }

    /// Adds what `other` found for fields this extraction has no value for.
    public mutating func merge(_ other: Extraction) {
        for item in other.evidence {
            if let value = other.values[item.agentField] {
                fill(item.agentField, value, messageIndex: item.messageIndex, quote: item.quote, questionIndex: item.questionIndex)
            }
        }
        if summary == nil { summary = other.summary }
    }
}
