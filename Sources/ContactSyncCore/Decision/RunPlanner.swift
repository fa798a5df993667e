/// Decides a run after the lookup: the decision table, the summary rules, and each value checked against
/// the field metadata (ARCHITECTURE §3, steps 3 to 6). Pure: the same inputs give the same plan, which is how
/// batched and single runs are kept identical.
public struct RunPlanner: Sendable {
    /// HubSpot caps a note body at this many characters.
    public static let noteLimit = 65_536
    /// Salesforce caps a Task's description at this many characters.
    public static let taskLimit = 32_000

    public var template: Template
    public var mappings: [FieldMapping]
    public var allowCreate: Bool
    public var allowUpdateExisting: Bool
    /// The account's contact fields by API name.
    public var fields: [String: CRMField]
    /// How the conversation is logged on the contact.
    public var logAs: ActivityLog

    public init(
        template: Template, mappings: [FieldMapping], allowCreate: Bool, allowUpdateExisting: Bool,
        fields: [String: CRMField], logAs: ActivityLog? = nil
    ) {
        self.logAs = logAs ?? .standard(for: template.crm)
        self.template = template
        self.mappings = mappings
        self.allowCreate = allowCreate
        self.allowUpdateExisting = allowUpdateExisting
        self.fields = fields
    }

    /// Convenience for an action and its template.
    public init(action: Action, template: Template, fields: [CRMField]) {
        self.init(
            template: template, mappings: action.mappings, allowCreate: action.allowCreate,
            allowUpdateExisting: action.allowUpdateExisting,
            fields: Dictionary(fields.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first }), logAs: action.logAs)
    }

    /// The plan for `run`, given every contact the lookup found for its email (or, `matchedBy` `.phone`,
    /// for its phone number: several of those are never guessed between).
    public func plan(_ run: PreparedRun, matches: [ContactMatch], matchedBy: ContactFoundBy = .email) -> RunPlan {
        var warnings: [RunWarning] = []
        if matchedBy == .phone, matches.count > 1 {
            let ids = matches.map(\.id).sorted()
            return .skipped(.ambiguousPhone, detail: "\(matches.count) contacts have this phone number: \(ids.joined(separator: ", ")).", warnings: [
                RunWarning(code: SkipReason.ambiguousPhone.rawValue, message: "\(matches.count) contacts have this phone number; none was chosen.", ids: ids),
            ])
        }
        let chosen = MatchSelection.choose(matches)
        if let warning = chosen?.warning { warnings.append(warning) }
        let decision = ContactDecision.decide(
            existing: chosen?.match, allowCreate: allowCreate, allowUpdateExisting: allowUpdateExisting)

        let creating: Bool
        let fullWrite: Bool
        let contactId: String?
        switch decision {
        case .skip(let reason):
            return .skipped(reason, warnings: warnings)
        case .create:
            (creating, fullWrite, contactId) = (true, true, nil)
        case .updateAll(let id):
            (creating, fullWrite, contactId) = (false, true, id)
        case .summaryOnly(let id):
            (creating, fullWrite, contactId) = (false, false, id)
        }

        var properties: [String: String] = [:]
        var written: [String] = []
        var skipped: [SkippedField] = []
        func write(_ name: String, _ value: String) {
            properties[name] = value
            written.append(name)
        }
        func skip(_ field: SkippedField) {
            skipped.append(field)
            warnings.append(.valueSkipped(field))
        }

        for mapping in mappings {
            if mapping.isSummary {
                guard let summary = run.summary, writesSummaryField(fullWrite: fullWrite) else { continue }
                switch summaryFieldValue(summary, field: mapping.crmField, creating: creating) {
                case .success(let (text, warning)):
                    write(mapping.crmField, text)
                    if let warning { warnings.append(warning) }
                case .failure(let field):
                    skip(field)
                }
                continue
            }
            guard fullWrite, let resolved = run.values.first(where: { $0.crmField == mapping.crmField }) else {
                continue
            }
            let isEmailField = mapping.crmField == template.emailField
            // Found by email, the key already matches; rewriting it could replace a primary email found via a
            // secondary one. Found another way (by phone, or a follow-up's contact), the email is news to it.
            if isEmailField && !creating && matchedBy == .email { continue }
            switch FieldValueCheck.check(resolved.value, field: fields[mapping.crmField], named: mapping.crmField, creating: creating) {
            case .success(let value):
                write(mapping.crmField, value)
            case .failure(let field):
                if isEmailField { return .skipped(.invalidEmail, fieldsSkipped: [field], warnings: warnings) }
                skip(field)
            }
        }

        // A contact made from a phone number alone carries it, mapped or not: it is how it is found again.
        if creating, run.email == nil, let phone = run.phone, properties[template.phoneField] == nil, fields[template.phoneField] != nil {
            write(template.phoneField, phone)
        }
        if creating, let missing = fields.values.filter(\.requiredOnCreate).map(\.name).sorted().first(where: { properties[$0] == nil }) {
            return .skipped(.missingRequiredValue, detail: missing, fieldsSkipped: skipped, warnings: warnings)
        }

        // The activity that carries the summary: a HubSpot note or call, a Salesforce task. Salesforce's summary
        // field alone needs none.
        var note: String?
        if logAs != .summaryField, let summary = run.summary {
            let capped = summary.truncated(toCRMLength: logAs == .task ? Self.taskLimit : Self.noteLimit)
            note = capped.text
            if capped.truncated {
                warnings.append(
                    RunWarning(
                        code: RunWarning.noteTruncated,
                        message: "The \(logAs == .note ? "note" : "activity") was cut to \(logAs == .task ? Self.taskLimit : Self.noteLimit) characters (from \(summary.crmLength))."))
            }
        }

        if !fullWrite && properties.isEmpty && note == nil {
            return .skipped(.updatesDisabled, existing: contactId, fieldsSkipped: skipped, warnings: warnings)
        }
        let contactWrite: ContactWrite?
        if let contactId {
            contactWrite = properties.isEmpty ? nil : .update(contactId: contactId, properties: properties)
        } else {
            contactWrite = .create(properties: properties)
        }
        let outcome: RunOutcome = creating ? .created : (fullWrite ? .updated : .summaryOnly)
        return RunPlan(
            outcome: outcome, reason: nil, reasonDetail: nil, existingContactId: contactId, write: contactWrite,
            note: note, fieldsWritten: written, fieldsSkipped: skipped, warnings: warnings)
    }

    /// Salesforce writes its summary field whenever something is written; HubSpot writes a summary
    /// property only with full updates (restricted updates get the note alone).
    private func writesSummaryField(fullWrite: Bool) -> Bool {
        switch template.crm {
        case .salesforce: true
        case .hubspot: fullWrite
        }
    }

    /// The summary checked against the field's metadata like every value (picklist, email, URL,
    /// writability); a text field takes it cut to its length, with a warning when cut.
    private func summaryFieldValue(_ summary: String, field name: String, creating: Bool)
        -> Result<(String, RunWarning?), SkippedField>
    {
        let field = fields[name]
        var text = summary
        var warning: RunWarning?
        if let field, field.valueKind == .text, let length = field.length {
            let cut = summary.truncated(toCRMLength: length)
            if cut.truncated {
                text = cut.text
                warning = RunWarning(
                    code: RunWarning.summaryTruncated,
                    message: "The summary was cut to \(length) characters (from \(summary.crmLength)).", field: name)
            }
        }
        return FieldValueCheck.check(text, field: field, named: name, creating: creating).map { ($0, warning) }
    }
}
