import ContactSyncRuntime
import CoreMetrics
import Foundation
import Hummingbird
import Prometheus

/// Counts HTTP requests by method, route and status and times them, with an explicit metrics factory.
struct HTTPMetricsMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext
    let factory: any MetricsFactory

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let start = ContinuousClock.now
        let status: HTTPResponse.Status
        do {
            let response = try await next(request, context)
            status = response.status
            record(request, context, status, since: start)
            return response
        } catch {
            status = (error as? any HTTPResponseError)?.status ?? .internalServerError
            record(request, context, status, since: start)
            throw error
        }
    }

    private func record(_ request: Request, _ context: Context, _ status: HTTPResponse.Status, since start: ContinuousClock.Instant) {
        let route = context.endpointPath ?? "unmatched"
        Counter(label: "contact_sync_http_requests_total", dimensions: [
            ("method", request.method.rawValue), ("route", route), ("status", String(status.code)),
        ], factory: factory).increment()
        Timer(label: "contact_sync_http_request_duration_seconds", dimensions: [("method", request.method.rawValue), ("route", route)], factory: factory)
            .recordNanoseconds(Int64((ContinuousClock.now - start) / .nanoseconds(1)))
    }
}

/// `GET /metrics` (admin key; Prometheus text format) and `GET /ready` (no key: 200 once the database answers
/// and is migrated, else 503).
struct OperationsRoutes {
    let activity: ActivityService
    let registry: PrometheusCollectorRegistry
    let metrics: RunMetrics

    func add(to router: Router<AppRequestContext>, authenticated: RouterGroup<AppRequestContext>) {
        router.get("ready") { _, _ -> Response in
            let ready = await activity.isReady()
            return Response(
                status: ready ? .ok : .serviceUnavailable, headers: [.contentType: "application/json"],
                body: .init(byteBuffer: ByteBuffer(string: ready ? #"{"status":"ready"}"# : #"{"status":"unavailable"}"#)))
        }
        authenticated.get("metrics") { _, _ in await MetricsText.response(registry: registry, activity: activity, metrics: metrics) }
    }
}
