import Foundation

/// Faults an emulator injects into CRM requests: latency, throttling, server errors, hangs, dropped
/// connections. Rates are probabilities from 0 to 1, drawn per request.
public struct EmulatorFaults: Sendable, Hashable, Codable {
    public var latencyMs: Int
    public var rate429: Double
    public var rate5xx: Double
    public var rateTimeout: Double
    public var rateReset: Double
    /// How long a "timeout" request hangs before its connection is dropped.
    public var timeoutSeconds: Double
    /// Latency for particular routes instead of `latencyMs`, keyed as `/_emulator/requests` names them
    /// (`"POST /crm/v3/objects/contacts/batch/create"`): holds a flow at a known step.
    public var routeLatencyMs: [String: Int]
    /// Server-error rates for particular routes, on top of `rate5xx`, keyed like `routeLatencyMs`.
    public var routeRate5xx: [String: Double]
    /// Routes whose requests, once counted, wait until faults are set that no longer name them (at most
    /// ``longestHold``), keyed like `routeLatencyMs`; `"*"` names every route. A test holds a flow at a known
    /// step for as long as it needs, then lets it go.
    public var holdRoutes: Set<String>

    /// The longest a held request waits: a test that never lets it go still gets an answer.
    public static let longestHold: Duration = .seconds(60)

    public init(
        latencyMs: Int = 0, rate429: Double = 0, rate5xx: Double = 0, rateTimeout: Double = 0, rateReset: Double = 0,
        timeoutSeconds: Double = 30, routeLatencyMs: [String: Int] = [:], routeRate5xx: [String: Double] = [:], holdRoutes: Set<String> = []
    ) {
        self.latencyMs = latencyMs
        self.rate429 = rate429
        self.rate5xx = rate5xx
        self.rateTimeout = rateTimeout
        self.rateReset = rateReset
        self.timeoutSeconds = timeoutSeconds
        self.routeLatencyMs = routeLatencyMs
        self.routeRate5xx = routeRate5xx
        self.holdRoutes = holdRoutes
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            latencyMs: try container.decodeIfPresent(Int.self, forKey: .latencyMs) ?? 0,
            rate429: try container.decodeIfPresent(Double.self, forKey: .rate429) ?? 0,
            rate5xx: try container.decodeIfPresent(Double.self, forKey: .rate5xx) ?? 0,
            rateTimeout: try container.decodeIfPresent(Double.self, forKey: .rateTimeout) ?? 0,
            rateReset: try container.decodeIfPresent(Double.self, forKey: .rateReset) ?? 0,
            timeoutSeconds: try container.decodeIfPresent(Double.self, forKey: .timeoutSeconds) ?? 30,
            routeLatencyMs: try container.decodeIfPresent([String: Int].self, forKey: .routeLatencyMs) ?? [:],
            routeRate5xx: try container.decodeIfPresent([String: Double].self, forKey: .routeRate5xx) ?? [:],
            holdRoutes: try container.decodeIfPresent(Set<String>.self, forKey: .holdRoutes) ?? [])
    }

    /// Whether every rate lies in 0...1 and the durations are not negative.
    var isValid: Bool {
        ([rate429, rate5xx, rateTimeout, rateReset] + routeRate5xx.values).allSatisfy { (0...1).contains($0) }
            && ([latencyMs] + routeLatencyMs.values).allSatisfy { (0...60_000).contains($0) } && timeoutSeconds >= 0 && timeoutSeconds <= 300
    }

    /// Whether requests to `route` are held.
    func holds(route: String) -> Bool { holdRoutes.contains(route) || holdRoutes.contains("*") }

    /// The latency for one route.
    func latency(route: String) -> Int { routeLatencyMs[route] ?? latencyMs }

    /// The fault to inject for one request to `route`, if any.
    func draw(route: String, using random: inout some RandomNumberGenerator) -> InjectedFault? {
        if let rate = routeRate5xx[route], rate > 0, Double.random(in: 0..<1, using: &random) < rate { return .serverError }
        if rateReset > 0, Double.random(in: 0..<1, using: &random) < rateReset { return .reset }
        if rateTimeout > 0, Double.random(in: 0..<1, using: &random) < rateTimeout { return .timeout }
        if rate429 > 0, Double.random(in: 0..<1, using: &random) < rate429 { return .tooManyRequests }
        if rate5xx > 0, Double.random(in: 0..<1, using: &random) < rate5xx { return .serverError }
        return nil
    }
}

/// One injected fault.
enum InjectedFault: Sendable {
    case tooManyRequests, serverError, timeout, reset
}
