/// Checks one value against its field's metadata before it is sent (ARCHITECTURE §3, step 6).
enum FieldValueCheck {
    /// The value to send (picklists in canonical spelling, email lowercased), or why it is left out.
    static func check(_ value: String, field: CRMField?, named name: String, creating: Bool)
        -> Result<String, SkippedField>
    {
        guard let field else {
            return .failure(SkippedField(crmField: name, reason: .unknownField, detail: "not in the account's fields"))
        }
        guard creating ? field.createable : field.updateable else {
            return .failure(SkippedField(crmField: name, reason: .notWritable, detail: "the field is read-only"))
        }
        var value = value
        switch field.valueKind {
        case .text:
            break
        case .email:
            guard let email = EmailAddress.normalize(value) else {
                return .failure(SkippedField(crmField: name, reason: .invalidFormat, detail: "not an email address"))
            }
            value = email
        case .url:
            guard WebAddress.isValid(value) else {
                return .failure(SkippedField(crmField: name, reason: .invalidFormat, detail: "not a URL"))
            }
        case .picklist:
            let allowed = field.picklistValues ?? []
            let folded = value.lowercased()
            if let canonical = allowed.first(where: { $0.lowercased() == folded }) {
                value = canonical
            } else if field.restrictedPicklist {
                return .failure(
                    SkippedField(
                        crmField: name, reason: .invalidPicklistValue,
                        detail: "allowed: \(allowed.joined(separator: ", "))"))
            }
        }
        if let length = field.length, value.crmLength > length {
            return .failure(
                SkippedField(
                    crmField: name, reason: .tooLong, detail: "max length \(length), got \(value.crmLength)"))
        }
        return .success(value)
    }
}

extension RunWarning {
    /// The per-field warning that accompanies a value left out.
    static func valueSkipped(_ skipped: SkippedField) -> RunWarning {
        let detail = skipped.detail.map { " (\($0))" } ?? ""
        return RunWarning(
            code: valueSkipped, message: "\(skipped.crmField) left out: \(skipped.reason.rawValue)\(detail)",
            field: skipped.crmField)
    }
}
