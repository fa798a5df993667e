import ContactSyncCore
import AsyncHTTPClient
import CRMEmulators
@testable import ContactSyncCRM
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import Synchronization

/// An emulator running in-process on a free port, with its admin routes at hand.
struct Harness: Sendable {
    let emulator: RunningEmulator
    var url: String { emulator.baseURL }

    static func hubspot(_ configure: (inout HubSpotEmulator.Configuration) -> Void = { _ in }) async throws -> Harness {
        var configuration = HubSpotEmulator.Configuration()
        configure(&configuration)
        return Harness(emulator: try await HubSpotEmulator(configuration: configuration).start(logger: quietLogger))
    }

    static func salesforce(_ configure: (inout SalesforceEmulator.Configuration) -> Void = { _ in }) async throws -> Harness {
        var configuration = SalesforceEmulator.Configuration()
        configure(&configuration)
        return Harness(emulator: try await SalesforceEmulator(configuration: configuration).start(logger: quietLogger))
    }

    static var quietLogger: Logger {
        var logger = Logger(label: "emulator")
        logger.logLevel = .critical
        return logger
    }

    /// Sends a request to the emulator and returns the status and body.
    @discardableResult
    func send(_ method: NIOHTTP1.HTTPMethod, _ path: String, json: String? = nil, form: [(String, String)]? = nil, token: String? = nil)
        async throws -> (status: Int, body: [String: Any]?, array: [Any]?, headers: [(String, String)])
    {
        var request = HTTPClientRequest(url: url + path)
        request.method = method
        if let token { request.headers.add(name: "Authorization", value: "Bearer \(token)") }
        // Emulator admin requests are JSON, even those without a body of their own.
        if let json = json ?? (method == .POST && path.hasPrefix("/_emulator") ? "{}" : nil) {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(string: json))
        } else if let form {
            request.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
            request.body = .bytes(ByteBuffer(data: URLEncoding.form(form)))
        }
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
        let data = Data(try await response.body.collect(upTo: 32 << 20).readableBytesView)
        let parsed = data.isEmpty ? nil : try? JSONSerialization.jsonObject(with: data)
        return (Int(response.status.code), parsed as? [String: Any], parsed as? [Any], response.headers.map { ($0.name, $0.value) })
    }

    func faults(_ json: String) async throws { try await send(.POST, "/_emulator/faults", json: json) }

    /// Requests counted for one route.
    func count(_ route: String) async throws -> Int {
        let counts = try await send(.GET, "/_emulator/requests").body
        return (counts?["byRoute"] as? [String: Any])?[route] as? Int ?? 0
    }

    func total() async throws -> Int {
        try await send(.GET, "/_emulator/requests").body?["total"] as? Int ?? 0
    }

    func stop() async { await emulator.shutdown() }
}

/// Counts credential renewals handed to the owner.
final class RenewalRecorder: Sendable {
    private let renewals = Mutex<[CRMCredentials]>([])
    var count: Int { renewals.withLock { $0.count } }
    var last: CRMCredentials? { renewals.withLock { $0.last } }
    func record(_ credentials: CRMCredentials) { renewals.withLock { $0.append(credentials) } }
}

/// Quick retries for tests.
let fastRetry = RetryPolicy(maxAttempts: 20, backoff: Backoff(base: .milliseconds(5), max: .milliseconds(200)))

func hubspotConnector(_ harness: Harness, token: String = "test-connector", credentials: CRMCredentials? = nil,
                      recorder: RenewalRecorder? = nil, timeout: Duration = .seconds(30)) -> HubSpotConnector {
    var settings = HubSpotConnector.Settings()
    settings.baseURL = harness.url
    settings.retry = fastRetry
    settings.timeout = timeout
    return HubSpotConnector(
        client: .shared, credentials: credentials ?? CRMCredentials(accessToken: token), settings: settings,
        logger: Harness.quietLogger, onCredentialsRenewed: { recorder?.record($0) })
}

func salesforceConnector(_ harness: Harness, token: String = "test-connector", credentials: CRMCredentials? = nil,
                         recorder: RenewalRecorder? = nil, timeout: Duration = .seconds(30)) -> SalesforceConnector {
    var settings = SalesforceConnector.Settings()
    settings.retry = fastRetry
    settings.timeout = timeout
    return SalesforceConnector(
        client: .shared, credentials: credentials ?? CRMCredentials(accessToken: token, instanceURL: harness.url), settings: settings,
        logger: Harness.quietLogger, onCredentialsRenewed: { recorder?.record($0) })
}
