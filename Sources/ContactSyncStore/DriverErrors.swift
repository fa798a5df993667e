import ContactSyncCore
import PostgresKit
import SQLiteKit

extension Store {
    /// Whether a driver error is a unique-key violation, by the drivers' own codes, never their message text:
    /// SQLite's extended result codes (`SQLITE_CONSTRAINT_UNIQUE`, `SQLITE_CONSTRAINT_PRIMARYKEY`) and
    /// PostgreSQL's SQLSTATE `23505`.
    static func isUniqueViolation(_ error: any Error) -> Bool {
        switch error {
        case let error as SQLiteFileError: error.isUniqueViolation
        case let error as SQLiteError: error.reason == .constraintUniqueFailed || error.reason == .constraintPrimaryKeyFailed
        case let error as PSQLError: error.serverInfo?[.sqlState] == "23505"
        default: false
        }
    }
}
