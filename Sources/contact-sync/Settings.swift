import ArgumentParser
import ContactSyncRuntime
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

/// The model for agents in `model` extraction mode: `CONTACT_SYNC_LLM_BASE_URL`, `CONTACT_SYNC_LLM_API_KEY` and
/// `CONTACT_SYNC_LLM_MODEL` (all three, or none), optionally `CONTACT_SYNC_LLM_TIMEOUT_SECONDS` (default 30).
func modelSettings() throws -> ModelExtractor.Settings? {
    let parts = ["CONTACT_SYNC_LLM_BASE_URL", "CONTACT_SYNC_LLM_API_KEY", "CONTACT_SYNC_LLM_MODEL"].map(environment)
    guard parts.contains(where: { $0 != nil }) else { return nil }
    guard let url = parts[0], let key = parts[1], let model = parts[2] else {
        throw ValidationError("Set CONTACT_SYNC_LLM_BASE_URL, CONTACT_SYNC_LLM_API_KEY and CONTACT_SYNC_LLM_MODEL together.")
    }
    var settings = ModelExtractor.Settings(baseURL: url, apiKey: key, model: model)
    if let timeout = environment("CONTACT_SYNC_LLM_TIMEOUT_SECONDS") {
        guard let seconds = Int(timeout), seconds > 0 else { throw ValidationError("CONTACT_SYNC_LLM_TIMEOUT_SECONDS must be a positive whole number.") }
        settings.timeout = .seconds(Int64(seconds))
    }
    return settings
}
