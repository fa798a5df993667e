/// Where the data lives.
public enum StoreLocation: Sendable, Hashable {
    /// A SQLite file (created when missing).
    case sqlite(path: String)
    /// A PostgreSQL database, e.g. `postgres://user:pass@host:5432/db`; with `schema`, inside that schema
    /// (created when missing).
    case postgres(url: String, schema: String? = nil)
}
