/// A run told in words for an operator: what happened, which rule of the decision table applied and why,
/// and, per mapped CRM field, its value and whether it was written or left out (ARCHITECTURE §3, §8).
public struct RunExplanation: Sendable, Hashable {
    /// One mapped CRM field of the run.
    public struct Field: Sendable, Hashable {
        public var crmField: String
        public var agentField: String
        public var value: String?
        public var written: Bool
        /// Why it was left out, when it was.
        public var why: String?
        /// Where the value came from (`run_input`, `conversation`, `extracted`, …), when the run recorded it.
        public var source: String?
        /// For an extracted value: the customer's words it was taken from.
        public var evidence: String?
    }

    /// The outcome in a few words, e.g. "Summary only".
    public var headline: String
    /// Why, in sentences.
    public var decision: String
    public var fields: [Field]

    public init(run: RunRecord, action: Action, crm: CRM) {
        let name = crm == .hubspot ? "HubSpot" : "Salesforce"
        let result = run.result
        let create = "Allow creating and updating new contacts is \(action.allowCreate ? "ON" : "OFF")"
        let update = "Allow updating existing fields is \(action.allowUpdateExisting ? "ON" : "OFF")"
        switch (run.status, result?.outcome, result?.reason) {
        case (.failed, _, _):
            headline = "Failed"
            let error = result?.error
            decision = "The run failed: \(error?.message ?? "it could not be completed")\(error?.crmCode.map { " (\(name) said \($0))" } ?? "")."
                + (error?.retryable == true ? " The failure is temporary; retrying may succeed." : " Retrying will not help until the cause is fixed.")
        case (_, .created?, _):
            headline = "Created"
            decision = "No contact in \(name) had this email; \(create), so contact-sync created one."
        case (_, .updated?, _):
            headline = "Updated"
            decision = action.allowUpdateExisting
                ? "Contact found; \(update), so its mapped fields were written."
                : "Contact found, created by contact-sync; \(create), so its mapped fields were written."
        case (_, .summaryOnly?, _):
            headline = "Summary only"
            decision = "Contact found, not created by contact-sync; \(update), so only the summary was written."
        case (_, .skipped?, let reason?):
            headline = "Skipped"
            decision = Self.skip(reason, detail: result?.reasonDetail, name: name, create: create, update: update)
        default:
            headline = run.status.rawValue.replacingOccurrences(of: "_", with: " ").capitalized
            decision = "The run has not finished."
        }
        let written = Set(result?.fieldsWritten ?? [])
        let skipped = Dictionary((result?.fieldsSkipped ?? []).map { ($0.crmField, $0) }, uniquingKeysWith: { first, _ in first })
        fields = action.mappings.map { mapping in
            let value = mapping.isSummary ? run.input.summary : run.input.fields[mapping.agentField] ?? mapping.defaultValue
            let isWritten = written.contains(mapping.crmField)
            var why: String?
            if !isWritten {
                if let skip = skipped[mapping.crmField] {
                    why = Self.describe(skip)
                } else if value?.isEmpty ?? true {
                    why = "No value"
                } else if result?.outcome == .summaryOnly {
                    why = "Updating existing fields is not allowed"
                } else if result?.outcome == .skipped || run.status == .failed {
                    why = "Nothing was written"
                } else {
                    why = "Unchanged or not sent"
                }
            }
            let quote = result?.evidence?.first { $0.agentField == mapping.agentField }?.quote
            return Field(
                crmField: mapping.crmField, agentField: mapping.agentField, value: value, written: isWritten, why: why,
                source: result?.valueSources?[mapping.crmField], evidence: quote)
        }
    }

    static func skip(_ reason: SkipReason, detail: String?, name: String, create: String, update: String) -> String {
        switch reason {
        case .missingEmail: "The customer's email was missing, so there was no one to look up; nothing was written."
        case .ambiguousPhone: "Several contacts have the customer's phone number and no email told them apart, so none was chosen; nothing was written."
        case .invalidEmail: "The customer's email did not look valid; nothing was written."
        case .creationDisabled: "No contact in \(name) had this email; \(create), so nothing was written."
        case .updatesDisabled: "Contact found, not created by contact-sync; \(update) and there was no summary to write, so nothing was written."
        case .missingRequiredValue: "\(name) needs a value for \(detail ?? "a required field") to create a contact; nothing was written."
        }
    }

    static func describe(_ skip: SkippedField) -> String {
        let why = switch skip.reason {
        case .tooLong: "Too long for the field"
        case .invalidPicklistValue: "Not one of the field's picklist values"
        case .invalidFormat: "Not in the field's format"
        case .unknownField: "The field no longer exists in the CRM"
        case .notWritable: "The field can no longer be written"
        }
        return skip.detail.map { "\(why): \($0)" } ?? why
    }
}
