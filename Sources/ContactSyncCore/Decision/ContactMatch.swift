import Foundation

/// A CRM contact found by the email lookup.
public struct ContactMatch: Sendable, Hashable {
    public var id: String
    /// When the CRM created it, when known.
    public var createdDate: Date?
    /// Whether contact-sync created it (provenance).
    public var createdByUs: Bool

    public init(id: String, createdDate: Date? = nil, createdByUs: Bool) {
        self.id = id
        self.createdDate = createdDate
        self.createdByUs = createdByUs
    }
}

/// Choosing among several contacts with the same email (DESIGN §2.2 step 3).
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
