/// Where a run's values come from, in order of precedence (ARCHITECTURE §3, step 1).
public struct ValueSources: Sendable, Hashable {
    /// Values passed with the run (the agent's tool call).
    public var runInput: [String: String]
    /// The conversation's attributes.
    public var conversation: [String: String]
    /// Values remembered for this customer from earlier conversations.
    public var contactAttributes: [String: String]
    /// The summary passed with the run.
    public var runSummary: String?
    /// The conversation's summary.
    public var conversationSummary: String?
    /// Values taken from the transcript (ARCHITECTURE §9): they fill only what the platform left empty.
    public var extracted: [String: String] = [:]
    /// A summary written from the transcript when none was supplied.
    public var extractedSummary: String?
    /// What the conversation's values are called: `platform` for a conversation a voice platform's webhook made.
    public var conversationOrigin: ValueOrigin = .conversation
    /// What the run's own values are called: `platform` for a follow-up carrying a platform's late values.
    public var inputOrigin: ValueOrigin = .runInput

    public init(
        runInput: [String: String] = [:], conversation: [String: String] = [:],
        contactAttributes: [String: String] = [:], runSummary: String? = nil, conversationSummary: String? = nil
    ) {
        self.runInput = runInput
        self.conversation = conversation
        self.contactAttributes = contactAttributes
        self.runSummary = runSummary
        self.conversationSummary = conversationSummary
    }
}

/// Which source supplied a value.
public enum ValueOrigin: String, Sendable, Hashable, Codable {
    case runInput = "run_input"
    case conversation
    case extracted
    case contactAttribute = "contact_attribute"
    case defaultValue = "default"
    /// Sent by a voice platform's webhook (its analysis, the caller's number, its summary).
    case platform
}

/// A non-blank value for one mapped CRM field.
public struct ResolvedValue: Sendable, Hashable {
    public var crmField: String
    public var agentField: String
    /// Trimmed, never blank.
    public var value: String
    public var origin: ValueOrigin
}

extension ValueSources {
    /// The value for `mapping`: the run's input, else the conversation's attribute, else a value taken from
    /// the transcript, else the stored contact attribute, else the mapping's default. Blank candidates are
    /// passed over; nil when all are blank.
    public func value(for mapping: FieldMapping) -> ResolvedValue? {
        let candidates: [(String?, ValueOrigin)] = [
            (runInput[mapping.agentField], inputOrigin),
            (conversation[mapping.agentField], conversationOrigin),
            (extracted[mapping.agentField], .extracted),
            (contactAttributes[mapping.agentField], .contactAttribute),
            (mapping.defaultValue, .defaultValue),
        ]
        for case let (value?, origin) in candidates where !value.isBlank {
            return ResolvedValue(
                crmField: mapping.crmField, agentField: mapping.agentField, value: value.trimmed, origin: origin)
        }
        return nil
    }

    /// The summary: the run's, else the conversation's, else one written from the transcript; nil when all are blank.
    public var summary: String? { summarySource?.text }

    /// The summary and where it came from.
    public var summarySource: (text: String, origin: ValueOrigin)? {
        for (candidate, origin) in [(runSummary, inputOrigin), (conversationSummary, conversationOrigin), (extractedSummary, ValueOrigin.extracted)] {
            if let candidate, !candidate.isBlank { return (candidate.trimmed, origin) }
        }
        return nil
    }
}
