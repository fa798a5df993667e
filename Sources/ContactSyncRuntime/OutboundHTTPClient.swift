import AsyncHTTPClient
import ServiceLifecycle

/// The HTTP client for calls to CRMs and the model: answers are not decompressed (nothing asks for
/// compression), no tracing span is built per request, and up to ``connectionsPerHost`` calls to one host
/// are under way at once. As a service it shuts the client down when the group stops, after the services
/// listed after it (which may still call out).
public struct OutboundHTTPClient: Service {
    public let client: HTTPClient

    /// Connections kept to one host. Every HubSpot account is served by the same host, and an offline batch
    /// sends its calls for up to 600 customers together (HubSpot: six of each kind, three batches of an
    /// account at once), so the client's default of 8 would queue one account's batches behind each other,
    /// and every other account's calls behind those.
    public static let connectionsPerHost = 64

    public init() {
        var configuration = HTTPClient.Configuration()
        configuration.decompression = .disabled
        configuration.tracing.tracer = nil
        configuration.connectionPool.concurrentHTTP1ConnectionsPerHostSoftLimit = Self.connectionsPerHost
        client = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
    }

    public func run() async throws {
        try? await gracefulShutdown()
        try await client.shutdown()
    }
}
