/// Takes emails, phone numbers and names from the customer's messages by rules (ARCHITECTURE §9), in English,
/// Spanish, Portuguese, French, German and Indonesian, written or spoken. Nothing comes from the agent's
/// messages, but a customer turn answering the agent's question for a value takes its cue from that question.
/// A later message wins over an earlier one (customers correct themselves); a message naming two different
/// emails or numbers is ambiguous and gives none.
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
        guard !wanted.isDisjoint(with: fields) else { return extraction }
        let questions = AgentQuestions(messages, isCancelled: isCancelled)
        // A number in a message that corrects one ("sorry, it's …") without speaking of a phone: it counts
        // once an earlier message gave a number.
        var correctedPhone: (Found, Int)?
        for (index, message) in messages.enumerated().reversed() where message.isCustomer {
            if isCancelled() { break }
            let needsEmail = wanted.contains("email") && extraction.values["email"] == nil
            let needsPhone = wanted.contains("phone") && extraction.values["phone"] == nil
            let needsFirst = wanted.contains("first_name") && extraction.values["first_name"] == nil
            let needsLast = wanted.contains("last_name") && extraction.values["last_name"] == nil
            guard needsEmail || needsPhone || needsFirst || needsLast else { break }
            let text = ScannedText(message.text)
            if needsEmail, let found = single(emails(in: text)) {
                let question = questions.question(for: .email, answeredAt: index)
                extraction.fill("email", found.value, messageIndex: index, quote: found.quote, questionIndex: question)
            }
            if needsPhone {
                let question = questions.question(for: .phone, answeredAt: index)
                if let found = single(phones(in: text, defaultCountry: defaultCountry, asked: question != nil)) {
                    // A later correction of a number the customer gave stands in its place.
                    let (value, at) = correctedPhone ?? (found, index)
                    let asked = at == index ? question : questions.question(for: .phone, answeredAt: at)
                    extraction.fill("phone", value.value, messageIndex: at, quote: value.quote, questionIndex: asked)
                } else if correctedPhone == nil, ExtractionCues.corrections.contains(where: text.contains),
                    let found = single(phones(in: text, defaultCountry: defaultCountry, asked: true))
                {
                    correctedPhone = (found, index)
                }
            }
            if needsFirst || needsLast {
                let question = questions.nameQuestion(answeredAt: index)
                guard let name = name(in: text) ?? question.flatMap({ nameAnswer(in: text, to: $0.kind, languages: $0.languages) }) else { continue }
                // A given name alone never completes another message's family name: that may be someone else's.
                if needsFirst, let first = name.first {
                    extraction.fill("first_name", first, messageIndex: index, quote: name.quote, questionIndex: question?.question)
                }
                if needsLast, let last = name.last, extraction.values["first_name"] == nil || name.first == nil || needsFirst {
                    extraction.fill("last_name", last, messageIndex: index, quote: name.quote, questionIndex: question?.question)
                }
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
}
