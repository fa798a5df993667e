/// The values of one run, resolved before the CRM is asked anything (ARCHITECTURE §3, steps 1 and 2).
public struct PreparedRun: Sendable, Hashable {
    /// The customer's email, trimmed and lowercased: the lookup key.
    public var email: String
    /// Non-blank values of the non-summary mappings, in mapping order. The email field carries `email`.
    public var values: [ResolvedValue]
    /// The summary, if any.
    public var summary: String?
    /// Where the summary came from.
    public var summaryOrigin: ValueOrigin?

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
    /// `skipped` before any CRM call.
    public static func prepare(
        template: Template, mappings: [FieldMapping], sources: ValueSources
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
        guard emailSeen, let email else { return .failure(.missingEmail) }
        let summary = sources.summarySource
        return .success(PreparedRun(email: email, values: values, summary: summary?.text, summaryOrigin: summary?.origin))
    }
}
