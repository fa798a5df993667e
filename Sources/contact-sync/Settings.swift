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

import ContactSyncRuntime

/// Offline sync settings from the environment: `CONTACT_SYNC_OFFLINE_LEASE_SECONDS` (how long a claimed
/// run is held before another worker may take it over, default 120).
func offlineSettings() throws -> OfflineSync.Settings {
    var settings = OfflineSync.Settings()
    if let lease = environment("CONTACT_SYNC_OFFLINE_LEASE_SECONDS") {
        guard let seconds = Double(lease), seconds > 0 else { throw ValidationError("CONTACT_SYNC_OFFLINE_LEASE_SECONDS must be a positive number.") }
        settings.lease = seconds
    }
    return settings
}
