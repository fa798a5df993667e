import AsyncHTTPClient
import CRMEmulators
import ContactSyncCore
import ContactSyncRuntime
import ContactSyncServer
import Foundation
import Hummingbird
import Logging
import NIOCore
import NIOHTTP1
import ServiceLifecycle

/// contact-sync served on a free loopback port with its own emulators, for benchmarks.
struct BenchEnvironment {
    let baseURL: String
    let apiKey: String
    let hubspot: RunningEmulator
    let salesforce: RunningEmulator
    let group: ServiceGroup
    let task: Task<Void, any Error>
    let directory: String

    /// `databaseURL` serves from that PostgreSQL database instead of SQLite in a fresh directory.
    static func start(
        latencyMs: Int, textIdleSeconds: Int = 600, databaseURL: String? = nil,
        configure: (inout HubSpotEmulator.Configuration, inout SalesforceEmulator.Configuration) -> Void = { _, _ in }
    ) async throws -> BenchEnvironment {
        var quiet = Logger(label: "bench")
        quiet.logLevel = .critical
        var hubspotConfiguration = HubSpotEmulator.Configuration()
        hubspotConfiguration.faults = EmulatorFaults(latencyMs: latencyMs)
        hubspotConfiguration.burstLimit = 1_000_000
        var salesforceConfiguration = SalesforceEmulator.Configuration()
        salesforceConfiguration.faults = EmulatorFaults(latencyMs: latencyMs)
        salesforceConfiguration.dailyApiLimit = 100_000_000
        configure(&hubspotConfiguration, &salesforceConfiguration)
        let hubspot = try await HubSpotEmulator(configuration: hubspotConfiguration).start(logger: quiet)
        let salesforce = try await SalesforceEmulator(configuration: salesforceConfiguration).start(logger: quiet)
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("contact-sync-bench-\(UUID().uuidString)").path
        let key = "bench-\(UUID().uuidString)"
        let database = databaseURL.map { StoreLocation.postgres(url: $0) } ?? .sqlite(path: directory + "/contact-sync.sqlite")
        var configuration = AppConfiguration(database: database, dataDirectory: directory)
        configuration.port = 0
        configuration.services.apiKey = key
        configuration.services.textIdleSeconds = textIdleSeconds
        configuration.services.emulatorURLs = [.hubspot: hubspot.baseURL, .salesforce: salesforce.baseURL]
        configuration.services.logger = quiet
        // The client `serve` calls out with.
        let outbound = OutboundHTTPClient()
        configuration.services.httpClient = outbound.client
        let (ports, continuation) = AsyncStream<Int>.makeStream()
        configuration.onServerRunning = { port in
            continuation.yield(port)
            continuation.finish()
        }
        let app = try await buildApplication(configuration: configuration)
        // Stopped in reverse: the application, then the client it calls out with.
        let group = ServiceGroup(configuration: .init(services: [outbound, app], logger: quiet))
        let task = Task {
            defer { continuation.finish() }
            try await group.run()
        }
        var iterator = ports.makeAsyncIterator()
        guard let port = await iterator.next() else { throw BenchError("the server did not start") }
        return BenchEnvironment(
            baseURL: "http://127.0.0.1:\(port)", apiKey: key, hubspot: hubspot, salesforce: salesforce, group: group, task: task, directory: directory)
    }

    func stop() async {
        await group.triggerGracefulShutdown()
        _ = await task.result
        await hubspot.shutdown()
        await salesforce.shutdown()
        try? FileManager.default.removeItem(atPath: directory)
    }

    func emulatorURL(_ crm: CRM) -> String { crm == .hubspot ? hubspot.baseURL : salesforce.baseURL }

    /// The CRM requests the emulator has answered so far, and the sequential round trips they made (its own
    /// `/_emulator` routes are not counted).
    func emulatorRequests(_ crm: CRM) async throws -> (total: Int, waves: Int) {
        let body = try await Self.send(.GET, emulatorURL(crm) + "/_emulator/requests", token: nil).body
        guard let total = body["total"] as? Int, let waves = body["waves"] as? Int else {
            throw BenchError("the \(crm.rawValue) emulator did not report its request counts")
        }
        return (total, waves)
    }

    /// Calls the API; returns status, parsed JSON and the elapsed time.
    @discardableResult
    func call(_ method: HTTPMethod, _ path: String, json: Any? = nil) async throws -> (status: Int, body: [String: Any], elapsed: Duration) {
        try await Self.send(method, baseURL + path, json: json, token: apiKey)
    }

    static func send(_ method: HTTPMethod, _ url: String, json: Any? = nil, token: String?, accept: String? = nil) async throws -> (status: Int, body: [String: Any], elapsed: Duration) {
        var request = HTTPClientRequest(url: url)
        request.method = method
        if let accept { request.headers.add(name: "Accept", value: accept) }
        if let token { request.headers.add(name: "Authorization", value: "Bearer \(token)") }
        if let json {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(data: try JSONSerialization.data(withJSONObject: json)))
        }
        let clock = ContinuousClock()
        let start = clock.now
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(120))
        let data = try await response.body.collect(upTo: 1 << 26)
        let elapsed = clock.now - start
        let body = (try? JSONSerialization.jsonObject(with: Data(data.readableBytesView))) as? [String: Any] ?? [:]
        return (Int(response.status.code), body, elapsed)
    }

    /// A `tools/call` to an agent's MCP endpoint; the body is the Run (`structuredContent`).
    func mcpCall(agent: String, tool: String, arguments: [String: String]) async throws -> (status: Int, body: [String: Any], elapsed: Duration) {
        let message: [String: Any] = ["jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": ["name": tool, "arguments": arguments]]
        let answer = try await Self.send(.POST, baseURL + "/v1/agents/\(agent)/mcp", json: message, token: apiKey, accept: "application/json, text/event-stream")
        let run = (answer.body["result"] as? [String: Any])?["structuredContent"] as? [String: Any] ?? [:]
        return (answer.status, run, answer.elapsed)
    }

    /// Sets up an emulator account and an action; returns the action id.
    func action(
        _ crm: CRM, allowCreate: Bool, allowUpdateExisting: Bool, account: String? = nil, offlineSync: Bool = false, match: String = "email",
        logAs: String? = nil
    ) async throws -> (action: String, account: String) {
        var accountId = account
        if accountId == nil {
            accountId = try await call(.POST, "/v1/accounts", json: ["crm": crm.rawValue, "emulator": true]).body["id"] as? String
        }
        guard let accountId else { throw BenchError("could not connect the \(crm.rawValue) emulator") }
        var mappings: [[String: String]] = crm == .hubspot
            ? [["crmField": "email", "agentField": "email"], ["crmField": "firstname", "agentField": "first_name"], ["crmField": "lastname", "agentField": "last_name"], ["crmField": "ai_conversation_summary", "agentField": "summary"]]
            : [["crmField": "Email", "agentField": "email"], ["crmField": "FirstName", "agentField": "first_name"], ["crmField": "LastName", "agentField": "last_name"], ["crmField": "Conversation_Summary__c", "agentField": "summary"]]
        if match != "email" { mappings.append(["crmField": crm == .hubspot ? "phone" : "Phone", "agentField": "phone"]) }
        let body: [String: Any] = [
            "template": crm == .hubspot ? "hubspot.upsert_contact" : "salesforce.upsert_contact", "name": "Bench \(UUID().uuidString.prefix(8))",
            "intent": "benchmark", "accountId": accountId, "allowCreate": allowCreate, "allowUpdateExisting": allowUpdateExisting, "mappings": mappings,
            "offlineSync": offlineSync, "match": match, "logAs": logAs ?? (crm == .hubspot ? "note" : "summary_field"),
        ]
        guard let id = try await call(.POST, "/v1/actions", json: body).body["id"] as? String else { throw BenchError("could not create the action") }
        return (id, accountId)
    }

    /// A contact created directly in the emulator by another integration (with a phone number, when given).
    func foreignContact(_ crm: CRM, email: String, phone: String? = nil) async throws {
        if crm == .hubspot {
            var properties = ["email": email, "firstname": "Foreign"]
            if let phone { properties["phone"] = phone }
            _ = try await Self.send(.POST, emulatorURL(crm) + "/crm/v3/objects/contacts", json: ["properties": properties], token: "test-foreign")
        } else {
            var fields = ["Email": email, "LastName": "Foreign"]
            if let phone { fields["Phone"] = phone }
            _ = try await Self.send(.POST, emulatorURL(crm) + "/services/data/v62.0/sobjects/Contact", json: fields, token: "test-foreign")
        }
    }
}

struct BenchError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// Percentiles of a sample, in milliseconds.
func percentile(_ values: [Double], _ p: Double) -> Double {
    guard !values.isEmpty else { return 0 }
    let sorted = values.sorted()
    let index = min(sorted.count - 1, max(0, Int((p * Double(sorted.count)).rounded(.up)) - 1))
    return sorted[index]
}

extension Duration {
    var milliseconds: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) * 1000 + Double(attoseconds) / 1e15
    }
}
