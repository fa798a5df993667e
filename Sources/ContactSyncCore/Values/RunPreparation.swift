/// The values of one run, resolved before the CRM is asked anything (ARCHITECTURE §3, steps 1 and 2).
public struct PreparedRun: Sendable, Hashable {
    /// The customer's email, trimmed and lowercased: the lookup key. Nil only when the action matches by
    /// phone too and the run has a phone number but no email.
    public var email: String?
    /// The customer's phone number in E.164, when the action matches by phone too.
    public var phone: String?
    /// Non-blank values of the non-summary mappings, in mapping order. The email field carries `email`.
    public var values: [ResolvedValue]
    /// The summary, if any.
    public var summary: String?
    /// Where the summary came from.
    public var summaryOrigin: ValueOrigin?

    /// Who the customer is, for one writer per customer: the email, else the phone number.
    public var customerKey: String { email ?? "tel:" + (phone ?? "") }

    public init(email: String?, phone: String? = nil, values: [ResolvedValue], summary: String?, summaryOrigin: ValueOrigin?) {
        self.email = email
        self.phone = phone
        self.values = values
        self.summary = summary
        self.summaryOrigin = summaryOrigin
    }

    /// Where each mapped CRM field's value came from, the summary field included.
    public func valueSources(summaryField: String?) -> [String: String] {
        var sources = Dictionary(values.map { ($0.crmField, $0.origin.rawValue) }, uniquingKeysWith: { first, _ in first })
        if let summaryField, let summaryOrigin { sources[summaryField] = summaryOrigin.rawValue }
        return sources
    }
}

/// Steps 1 and 2 of a run: values, then the email that keys the lookup.
public enum RunPreparation {
    /// Resolves every mapping's value and the email. A missing or malformed email ends the run as
    /// `skipped` before any CRM call, unless the action matches by phone too (`match`) and the customer's
    /// phone number (the `phone` agent field, in E.164 with `defaultCountry`) is known.
    public static func prepare(
        template: Template, mappings: [FieldMapping], sources: ValueSources, match: ContactMatchMode = .email, defaultCountry: String = "US"
    ) -> Result<PreparedRun, SkipReason> {
        var values: [ResolvedValue] = []
        var email: String?
        var emailSeen = false
        for mapping in mappings where !mapping.isSummary {
            guard var resolved = sources.value(for: mapping) else { continue }
            if mapping.crmField == template.emailField {
                emailSeen = true
                guard let normalized = EmailAddress.normalize(resolved.value) else { return .failure(.invalidEmail) }
                resolved.value = normalized
                email = normalized
            }
            values.append(resolved)
        }
        let phone = match == .emailThenPhone ? customerPhone(sources, defaultCountry: defaultCountry) : nil
        guard emailSeen || phone != nil else { return .failure(.missingEmail) }
        let summary = sources.summarySource
        return .success(PreparedRun(email: email, phone: phone, values: values, summary: summary?.text, summaryOrigin: summary?.origin))
    }

    /// The customer's phone number from the `phone` agent field, in E.164.
    static func customerPhone(_ sources: ValueSources, defaultCountry: String) -> String? {
        sources.value(for: FieldMapping(crmField: "", agentField: AgentField.phoneKey)).flatMap { PhoneNumbers.e164($0.value, defaultCountry: defaultCountry) }
    }
}
