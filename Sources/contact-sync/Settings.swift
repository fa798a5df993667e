import ArgumentParser
import ContactSyncCore
import ContactSyncRuntime
import ContactSyncServer
import ContactSyncStore
import Foundation
import Logging

/// Where the data lives: the data directory (SQLite file, key file) and the database.
struct DatabaseSettings {
    let dataDir: String
    let location: StoreLocation

    init(_ config: Config) throws {
        dataDir = try config.required(.dataDir, config.text)
        if let url = try config.text(.databaseURL) {
            location = .postgres(url: url)
        } else {
            location = .sqlite(path: (dataDir as NSString).appendingPathComponent("contact-sync.sqlite"))
        }
    }
}

extension DatabaseSettings {
    /// Why a command could not start, in full: the error's own details (a generic description hides
    /// them), the database URL, which may hold a password, never among them.
    func startFailure(_ error: any Error) -> StartFailure {
        var detail = String(reflecting: error)
        if case .postgres(let url, _) = location { detail = detail.replacingOccurrences(of: url, with: "<database URL>") }
        return StartFailure(reason: detail)
    }
}

/// A command that could not start (exit status 1, the reason on standard error).
struct StartFailure: Error, CustomStringConvertible {
    let description: String

    init(reason: String) {
        description = "contact-sync could not start: \(reason)"
    }
}

extension Config {
    /// The value of a setting that must have one (those with a default always do).
    func required<T>(_ setting: Setting, _ read: (Setting) throws -> T?) throws -> T {
        guard let value = try read(setting) else { throw ValidationError("\(setting.flag ?? setting.environment) is required.") }
        return value
    }

    /// A whole number that must be positive.
    func positive(_ setting: Setting) throws -> Int? {
        guard let value = try wholeNumber(setting) else { return nil }
        guard value > 0 else { throw ValidationError("\(origin(of: setting)) must be positive.") }
        return value
    }

    /// Offline sync settings: how long a claimed run is held before another worker may take it over.
    func offlineSettings() throws -> OfflineSync.Settings {
        var settings = OfflineSync.Settings()
        if let lease = try seconds(.offlineLeaseSeconds) {
            // Shorter, a loaded worker could lose a run between two renewals; longer, a dead worker's runs wait hours.
            guard lease >= 1, lease <= 3600 else { throw ValidationError("\(origin(of: .offlineLeaseSeconds)) must be a number of seconds from 1 to 3600.") }
            settings.lease = lease
        }
        return settings
    }

    /// The services' settings that `serve` and `worker` both read.
    func servicesSettings(_ data: DatabaseSettings, logger: Logger) throws -> Services.Settings {
        var settings = Services.Settings(database: data.location, dataDirectory: data.dataDir)
        settings.logger = logger
        settings.secretKey = try text(.secretKey)
        settings.databasePoolSize = try required(.databasePoolSize, positive)
        settings.offline = try offlineSettings()
        settings.runs = try runSettings()
        settings.model = try modelSettings()
        if let attempts = try positive(.crmMaxAttempts) { settings.crmRetry.maxAttempts = attempts }
        return settings
    }

    /// What `serve` runs with: how it listens and answers, and its services (which also take requests,
    /// keep the admin key and purge old data).
    func applicationSettings(_ data: DatabaseSettings, logger: Logger) throws -> AppConfiguration {
        var configuration = AppConfiguration(database: data.location, dataDirectory: data.dataDir)
        configuration.host = try required(.host, text)
        configuration.port = try required(.port, wholeNumber)
        configuration.publicURL = try text(.publicURL)
        configuration.hubspotClient = try oauthClient(id: .hubspotClientId, secret: .hubspotClientSecret)
        configuration.salesforceClient = try oauthClient(id: .salesforceClientId, secret: .salesforceClientSecret)
        configuration.connections = try connectionLimits()
        var services = try servicesSettings(data, logger: logger)
        services.textIdleSeconds = try required(.textIdleSeconds, positive)
        services.apiKey = try text(.apiKey)
        services.runsOfflineSync = try !isOn(.noOfflineSync)
        services.retentionDays = try required(.retentionDays, positive)
        services.maxMessageCharacters = try required(.maxMessageCharacters, positive)
        configuration.services = services
        return configuration
    }

    /// How runs are tried again: the retry window of runs that failed for a transient cause.
    func runSettings() throws -> RunEngine.Settings {
        var settings = RunEngine.Settings()
        if let window = try seconds(.retryWindowSeconds) {
            guard window >= 0 else { throw ValidationError("\(origin(of: .retryWindowSeconds)) must not be negative.") }
            settings.retryWindow = window
        }
        return settings
    }

    /// The model for agents in `model` extraction mode: its URL, key and name (all three, or none).
    func modelSettings() throws -> ModelExtractor.Settings? {
        let parts = try [Setting.modelBaseURL, .modelAPIKey, .modelName].map(text)
        guard parts.contains(where: { $0 != nil }) else { return nil }
        guard let url = parts[0], let key = parts[1], let model = parts[2] else {
            throw ValidationError("Set CONTACT_SYNC_LLM_BASE_URL, CONTACT_SYNC_LLM_API_KEY and CONTACT_SYNC_LLM_MODEL together.")
        }
        var settings = ModelExtractor.Settings(baseURL: url, apiKey: key, model: model)
        if let seconds = try positive(.modelTimeoutSeconds) { settings.timeout = .seconds(Int64(seconds)) }
        return settings
    }

    /// An OAuth app, when both its id and secret are set.
    func oauthClient(id: Setting, secret: Setting) throws -> OAuthClientSettings? {
        guard let clientId = try text(id), let clientSecret = try text(secret) else { return nil }
        return OAuthClientSettings(clientId: clientId, clientSecret: clientSecret)
    }

    /// Connection timeouts (each 1 to 60 seconds) and the most connections served at once.
    func connectionLimits() throws -> ConnectionLimits {
        var limits = ConnectionLimits()
        func timeout(_ setting: Setting) throws -> Duration {
            let seconds = try required(setting, self.seconds)
            guard seconds >= 1, seconds <= 60 else { throw ValidationError("\(origin(of: setting)) must be a number of seconds from 1 to 60.") }
            return .milliseconds(Int(seconds * 1000))
        }
        limits.idleTimeout = try timeout(.idleTimeoutSeconds)
        limits.headerTimeout = try timeout(.headerTimeoutSeconds)
        limits.bodyTimeout = try timeout(.bodyTimeoutSeconds)
        if let connections = try positive(.maxConnections) { limits.maxConnections = connections }
        return limits
    }

    /// How long a stop may take.
    func stopSettings() throws -> StopSettings {
        let seconds = try required(.shutdownGraceSeconds, seconds)
        guard seconds >= 0, seconds <= 3_600 else { throw ValidationError("\(origin(of: .shutdownGraceSeconds)) must be a number of seconds from 0 to 3600.") }
        return StopSettings(grace: .milliseconds(Int(seconds * 1000)))
    }
}
