import AsyncHTTPClient
import ContactSyncCore
import ContactSyncRuntime
import ContactSyncStore
import Foundation
import Logging

/// Everything `buildApplication(configuration:)` needs.
public struct AppConfiguration: Sendable {
    public var host = "127.0.0.1"
    public var port = 8080
    public var database: StoreLocation
    /// PostgreSQL connections this process opens at most.
    public var databasePoolSize = Store.defaultPoolSize
    /// Holds the SQLite file and the generated secret key file.
    public var dataDirectory: String
    /// The URL users reach contact-sync at (OAuth callbacks); by default `http://host:port`.
    public var publicURL: String?
    /// How long after its last message a text conversation ends.
    public var textIdleSeconds = 600
    /// The built-in emulators' URLs, when they run.
    public var emulatorURLs: [CRM: String] = [:]
    /// `CONTACT_SYNC_API_KEY`; when nil and no key is stored, one is generated and announced once.
    public var apiKey: String?
    /// `CONTACT_SYNC_SECRET_KEY` (base64, 32 bytes); when nil, a key file in `dataDirectory` is used.
    public var secretKey: String?
    public var hubspotClient: OAuthClientSettings?
    public var salesforceClient: OAuthClientSettings?
    /// Largest accepted request body.
    public var maxBodyBytes = 1 << 20
    /// The longest conversation message accepted, in characters.
    public var maxMessageCharacters = ConversationService.defaultMaxMessageCharacters
    /// Connection timeouts and how many connections are served at once.
    public var connections = ConnectionLimits()
    /// Receives lines meant for the operator (a generated API key).
    public var announce: @Sendable (String) -> Void = { _ in }
    public var logger = Logger(label: "contact-sync")
    /// Called with the bound port once the server listens.
    public var onServerRunning: @Sendable (Int) async -> Void = { _ in }
    /// Offline sync: how often it polls, how much it claims.
    public var offline = OfflineSync.Settings()
    /// Runs: how long they wait for each other, their leases, and how failed ones are tried again.
    public var runs = RunEngine.Settings()
    /// Whether this process carries out offline runs (besides serving the API).
    public var runsOfflineSync = true
    /// Messages and run inputs older than this many days are purged.
    public var retentionDays = 90
    /// How CRM calls are retried.
    public var crmRetry = RetryPolicy()
    /// The client for calls to CRMs and the model; `serve` passes its `OutboundHTTPClient`'s, which it shuts
    /// down after the application.
    public var httpClient: HTTPClient = .shared
    /// The OpenAI-compatible model for agents in `model` extraction mode, when configured.
    public var model: ModelExtractor.Settings?
    /// The clock; tests move it instead of waiting.
    public var now: @Sendable () -> Date = { Date() }

    public init(database: StoreLocation, dataDirectory: String) {
        self.database = database
        self.dataDirectory = dataDirectory
    }

    var resolvedPublicURL: String { publicURL ?? "http://\(host):\(port)" }
}
