import Foundation

/// How a run's contact was found.
public enum ContactFoundBy: String, Sendable, Hashable, Codable {
    /// By the customer's email (the seeds).
    case email
    /// By the customer's phone number (`match` `email_then_phone`).
    case phone
    /// By its id: the contact a follow-up's first run chose.
    case record
}

/// A CRM contact found by the email lookup.
public struct ContactMatch: Sendable, Hashable {
    public var id: String
    /// When the CRM created it, when known.
    public var createdDate: Date?
    /// Whether contact-sync created it, by contact-sync's own provenance records (never by CRM-side markers).
    public var createdByUs: Bool
    /// Whether the CRM says the connected integration created it (`CreatedById`, `hs_object_source_id`).
    /// Never decides provenance on its own: the login is often a person's, whose own contacts stay
    /// protected. It only helps recover contact-sync's own create whose answer was lost.
    public var createdByIntegration: Bool

    public init(id: String, createdDate: Date? = nil, createdByUs: Bool = false, createdByIntegration: Bool = false) {
        self.id = id
        self.createdDate = createdDate
        self.createdByUs = createdByUs
        self.createdByIntegration = createdByIntegration
    }

    /// Whether this is contact-sync's own create whose answer was lost: created by the integration, for
    /// this email, no earlier than `attemptStart` (to the CRM's whole-second precision).
    public func isLostCreate(since attemptStart: Date) -> Bool {
        guard createdByIntegration, let createdDate else { return false }
        return createdDate >= attemptStart.addingTimeInterval(-1)
    }
}

/// Choosing among several contacts with the same email (ARCHITECTURE §3, step 3).
public enum MatchSelection {
    /// Prefers a contact contact-sync created, else the oldest by `createdDate` (unknown dates last,
    /// ties by id). With several matches it returns a `multiple_matches` warning listing every id.
    public static func choose(_ matches: [ContactMatch]) -> (match: ContactMatch, warning: RunWarning?)? {
        guard !matches.isEmpty else { return nil }
        let ordered = matches.sorted { a, b in
            if a.createdByUs != b.createdByUs { return a.createdByUs }
            switch (a.createdDate, b.createdDate) {
            case let (x?, y?) where x != y: return x < y
            case (_?, nil): return true
            case (nil, _?): return false
            default: return a.id < b.id
            }
        }
        let chosen = ordered[0]
        guard matches.count > 1 else { return (chosen, nil) }
        let warning = RunWarning(
            code: RunWarning.multipleMatches,
            message: "\(matches.count) contacts share this email; used \(chosen.id).",
            ids: ordered.map(\.id))
        return (chosen, warning)
    }
}
