import AsyncHTTPClient
import ServiceLifecycle

/// The HTTP client for calls to CRMs and the model: answers are not decompressed (nothing asks for
/// compression) and no tracing span is built per request. As a service it shuts the client down when the
/// group stops, after the services listed after it (which may still call out).
public struct OutboundHTTPClient: Service {
    public let client: HTTPClient

    public init() {
        var configuration = HTTPClient.Configuration()
        configuration.decompression = .disabled
        configuration.tracing.tracer = nil
        client = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
    }

    public func run() async throws {
        try? await gracefulShutdown()
        try await client.shutdown()
    }
}
