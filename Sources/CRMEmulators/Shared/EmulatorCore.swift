import Foundation
import Hummingbird
import NIOCore

/// What the shared middleware and admin routes need from an emulated CRM.
protocol EmulatedCRM: Actor {
    var faults: EmulatorFaults { get set }
    var requests: RequestLog { get set }
    /// Forgets every record and counter (faults are kept).
    func reset()
    func expireToken(_ token: String)
    func revokeToken(_ token: String)
    /// The CRM's throttling response for an injected 429.
    nonisolated func injectedThrottle() -> Response
    /// The CRM's server error for an injected 5xx.
    nonisolated func injectedServerError() -> Response
}

extension EmulatedCRM {
    /// Records the request and draws the fault to inject, if any.
    func admit(route: String) -> Admission {
        requests.record(route)
        var random = SystemRandomNumberGenerator()
        return Admission(
            held: faults.holds(route: route), latencyMs: faults.latency(route: route), timeoutSeconds: faults.timeoutSeconds,
            fault: faults.draw(route: route, using: &random))
    }

    func setFaults(_ newValue: EmulatorFaults) { faults = newValue }

    /// Whether requests to `route` are held now.
    func holds(route: String) -> Bool { faults.holds(route: route) }

    func answered(_ status: Int) { requests.record(status: status) }

    func finished() { requests.finished() }
}

/// What the faults do to one admitted request.
struct Admission: Sendable {
    /// Whether the request waits until the faults let its route go.
    let held: Bool
    let latencyMs: Int
    let timeoutSeconds: Double
    let fault: InjectedFault?
}

/// Counts every CRM request by route (and the sequential round trips they make) and injects latency and
/// faults. Admin routes are exempt.
struct FaultMiddleware<CRM: EmulatedCRM>: RouterMiddleware {
    typealias Context = EmulatorRequestContext
    let crm: CRM

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        let path = request.uri.path
        if path.hasPrefix("/_emulator") {
            if let refusal = AdminGuard.refusal(request) { return refusal }
            return try await next(request, context)
        }
        let route = "\(request.method) \(context.endpointPath ?? path)"
        let admitted = await crm.admit(route: route)
        do {
            let response = try await answer(request, context: context, route: route, admitted: admitted, next: next)
            await crm.finished()
            return response
        } catch {
            await crm.finished()
            throw error
        }
    }

    /// Waits while the faults hold `route` (at most ``EmulatorFaults/longestHold``). Held requests are few, and
    /// only while a test asks for them, so a short poll serves.
    private func hold(route: String) async throws {
        let clock = ContinuousClock()
        let deadline = clock.now + EmulatorFaults.longestHold
        while await crm.holds(route: route), clock.now < deadline {
            try await Task.sleep(for: .milliseconds(5))
        }
    }

    private func answer(
        _ request: Request, context: Context, route: String, admitted: Admission, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        if admitted.held { try await hold(route: route) }
        if admitted.latencyMs > 0 { try await Task.sleep(for: .milliseconds(admitted.latencyMs)) }
        switch admitted.fault {
        case nil:
            let response = try await next(request, context)
            await crm.answered(Int(response.status.code))
            return response
        case .tooManyRequests:
            await crm.answered(429)
            return crm.injectedThrottle()
        case .serverError:
            await crm.answered(503)
            return crm.injectedServerError()
        case .timeout:
            try await Task.sleep(for: .seconds(admitted.timeoutSeconds))
            try? await context.channel.close()
            throw HTTPError(.gatewayTimeout)
        case .reset:
            try? await context.channel.close()
            throw HTTPError(.badGateway)
        }
    }
}

extension Router where Context == EmulatorRequestContext {
    /// The admin routes of ARCHITECTURE §10 shared by both emulators.
    func addAdminRoutes(_ crm: some EmulatedCRM) {
        get("/_emulator/requests") { _, _ in
            Response.json(.ok, await crm.requests.json)
        }
        post("/_emulator/reset") { _, _ in
            await crm.reset()
            return Response.json(.ok, ["status": "reset"])
        }
        get("/_emulator/faults") { _, _ in
            Response.json(.ok, try JSON.parse(JSONEncoder().encode(await crm.faults)) ?? [:])
        }
        post("/_emulator/faults") { request, context in
            var copy = request
            let body = try await copy.collectBody(upTo: context.maxUploadSize)
            guard let faults = try? JSONDecoder().decode(EmulatorFaults.self, from: Data(body.readableBytesView)),
                faults.isValid
            else {
                return Response.json(
                    .badRequest,
                    ["error": "invalid_faults", "message": "Rates must lie in 0...1; latencyMs and routeLatencyMs values in 0...60000; timeoutSeconds in 0...300."])
            }
            await crm.setFaults(faults)
            return Response.json(.ok, try JSON.parse(JSONEncoder().encode(faults)) ?? [:])
        }
        post("/_emulator/tokens/{token}/expire") { _, context in
            let token = try context.parameters.require("token")
            await crm.expireToken(token.removingPercentEncoding ?? token)
            return Response.json(.ok, ["status": "expired"])
        }
        post("/_emulator/tokens/{token}/revoke") { _, context in
            let token = try context.parameters.require("token")
            await crm.revokeToken(token.removingPercentEncoding ?? token)
            return Response.json(.ok, ["status": "revoked"])
        }
    }
}

/// The admin routes change what the emulator answers, so a web page the operator happens to open must not
/// reach them: a POST needs `Content-Type: application/json` (which a cross-site form cannot send without
/// a preflight the emulator never grants), and a request whose `Origin` is another site's is refused.
enum AdminGuard {
    static func refusal(_ request: Request) -> Response? {
        if let origin = request.headers[.origin], origin != "http://" + (request.head.authority ?? "") {
            return Response.json(.forbidden, ["error": "cross_site_request", "message": "The emulator's admin routes refuse other sites' pages."])
        }
        guard request.method == .post else { return nil }
        let mediaType = request.headers[.contentType]?.split(separator: ";").first?.trimmingCharacters(in: .whitespaces).lowercased()
        guard mediaType == "application/json" else {
            return Response.json(.unsupportedMediaType, ["error": "unsupported_media_type", "message": "Admin requests are application/json."])
        }
        return nil
    }
}
