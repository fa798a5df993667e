import ArgumentParser
import ContactSyncStore
import Foundation

/// Flags shared by commands that open the database; each has an environment twin.
struct DatabaseOptions: ParsableArguments {
    @Option(name: .customLong("data-dir"), help: "Directory for the SQLite file and the key file (env CONTACT_SYNC_DATA_DIR).")
    var dataDir: String?

    @Option(name: .customLong("database-url"), help: "PostgreSQL URL instead of SQLite (env CONTACT_SYNC_DATABASE_URL).")
    var databaseURL: String?

    var resolvedDataDir: String { dataDir ?? environment("CONTACT_SYNC_DATA_DIR") ?? "./.contact-sync" }

    var location: StoreLocation {
        if let url = databaseURL ?? environment("CONTACT_SYNC_DATABASE_URL"), !url.isEmpty { return .postgres(url: url) }
        return .sqlite(path: (resolvedDataDir as NSString).appendingPathComponent("contact-sync.sqlite"))
    }
}

/// The value of an environment variable, when set and not empty.
func environment(_ name: String) -> String? {
    guard let value = ProcessInfo.processInfo.environment[name], !value.isEmpty else { return nil }
    return value
}
