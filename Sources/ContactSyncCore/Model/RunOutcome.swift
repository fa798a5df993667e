/// What a finished run did to the CRM contact.
public enum RunOutcome: String, Sendable, Hashable, Codable, CaseIterable {
    case created
    case updated
    /// Only the conversation summary was written (updates of existing fields not allowed).
    case summaryOnly = "summary_only"
    /// Nothing was written, by decision; `SkipReason` says why.
    case skipped
}

/// Why a run wrote nothing.
public enum SkipReason: String, Sendable, Hashable, Codable, CaseIterable, Error {
    case missingEmail = "missing_email"
    /// Matching by phone found several contacts and no email settled it: none is guessed.
    case ambiguousPhone = "ambiguous_phone"
    case invalidEmail = "invalid_email"
    case creationDisabled = "creation_disabled"
    case updatesDisabled = "updates_disabled"
    case missingRequiredValue = "missing_required_value"
}

/// Why one value was left out of a write.
public enum FieldSkipReason: String, Sendable, Hashable, Codable {
    case tooLong = "too_long"
    case invalidPicklistValue = "invalid_picklist_value"
    case invalidFormat = "invalid_format"
    /// The field is no longer in the account's metadata.
    case unknownField = "unknown_field"
    /// The field can no longer be written (it became read-only).
    case notWritable = "not_writable"
}

/// A value that was left out, with why.
public struct SkippedField: Sendable, Hashable, Codable, Error {
    public var crmField: String
    public var reason: FieldSkipReason
    public var detail: String?

    public init(crmField: String, reason: FieldSkipReason, detail: String? = nil) {
        self.crmField = crmField
        self.reason = reason
        self.detail = detail
    }
}

/// A note on a run that did not stop it.
public struct RunWarning: Sendable, Hashable, Codable {
    /// `multiple_matches`, `summary_truncated`, `note_truncated`, `value_skipped`, ….
    public var code: String
    public var message: String
    public var field: String?
    public var ids: [String]?

    public init(code: String, message: String, field: String? = nil, ids: [String]? = nil) {
        self.code = code
        self.message = message
        self.field = field
        self.ids = ids
    }

    public static let multipleMatches = "multiple_matches"
    public static let summaryTruncated = "summary_truncated"
    public static let noteTruncated = "note_truncated"
    public static let valueSkipped = "value_skipped"
}
