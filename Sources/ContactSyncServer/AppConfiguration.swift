import ContactSyncCore
import ContactSyncRuntime
import Foundation

/// Everything `buildApplication(configuration:)` needs: how the server listens, and what the services are
/// built from.
public struct AppConfiguration: Sendable {
    public var host = "127.0.0.1"
    public var port = 8080
    /// The URL users reach contact-sync at (OAuth callbacks); by default `http://host:port`.
    public var publicURL: String?
    public var hubspotClient: OAuthClientSettings?
    public var salesforceClient: OAuthClientSettings?
    /// Largest accepted request body.
    public var maxBodyBytes = 1 << 20
    /// Connection timeouts and how many connections are served at once.
    public var connections = ConnectionLimits()
    /// Called with the bound port once the server listens.
    public var onServerRunning: @Sendable (Int) async -> Void = { _ in }
    /// The services: database, keys, CRMs, runs, offline sync.
    public var services: Services.Settings

    public init(database: StoreLocation, dataDirectory: String) {
        services = Services.Settings(database: database, dataDirectory: dataDirectory)
    }

    var resolvedPublicURL: String { publicURL ?? "http://\(host):\(port)" }
}
