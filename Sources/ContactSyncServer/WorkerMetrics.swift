import ContactSyncRuntime
import CoreMetrics
import Hummingbird
import Logging
import Prometheus

/// Metrics for a process that serves no API (a `worker`): a registry its services report to, and a small
/// HTTP server with `GET /metrics` (Prometheus text) and `GET /health`. It asks for no key, so it listens
/// on a private address.
public struct WorkerMetrics: Sendable {
    let registry = PrometheusCollectorRegistry()
    /// Where the services' metrics go.
    public var factory: any MetricsFactory { PrometheusMetricsFactory(registry: registry) }

    public init() {}

    /// The HTTP server for `host:port`.
    public func application(host: String, port: Int, services: Services, logger: Logger) -> some ApplicationProtocol {
        let router = Router()
        router.get("health") { _, _ in HealthView(status: "ok", version: contactSyncVersion) }
        router.get("metrics") { _, _ in await MetricsText.response(registry: registry, activity: services.activity, metrics: services.metrics) }
        return Application(
            router: router, configuration: .init(address: .hostname(host, port: port), serverName: "contact-sync-worker"), logger: logger)
    }
}

/// The Prometheus text of a registry, with the offline queue measured just before.
enum MetricsText {
    static func response(registry: PrometheusCollectorRegistry, activity: ActivityService, metrics: RunMetrics) async -> Response {
        if let counts = try? await activity.offlineQueue() { metrics.offlineQueue(counts) }
        return Response(
            status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
            body: .init(byteBuffer: ByteBuffer(bytes: registry.emitToBuffer())))
    }
}
