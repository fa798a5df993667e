/// Why a repository refused a read or write, for the services to answer in their own words. Constraint
/// violations are recognised by the drivers' codes (`Store.isUniqueViolation`), never by message text.
public enum RepositoryError: Error, Sendable, Equatable {
    /// A row with this key exists already (a unique key was violated).
    case conflict(String)
    /// The cursor cannot be read.
    case invalidCursor
}
