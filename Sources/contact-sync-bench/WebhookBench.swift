import ArgumentParser
import ContactSyncCore
import Foundation
import NIOCore
import NIOHTTP1
import AsyncHTTPClient

/// `contact-sync-bench webhooks`: voice platforms' deliveries (Retell `call_analyzed`, signed) to an agent's
/// webhook: how long from a delivery to its CRM write, and how fast the webhook answers while the CRM is held.
struct WebhookBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "webhooks", abstract: "Webhook deliveries: delivery-to-CRM-write latency, and answers while the CRM is held.")

    @Option(name: .customLong("latency-ms"), help: "Latency the emulators add to every CRM request.") var latencyMs = 25
    @Option(help: "Deliveries for the delivery-to-write figure.") var deliveries = 400
    @Option(help: "Deliveries per second.") var rate = 40
    @Option(name: .customLong("hold-seconds"), help: "How long the CRM is held for the answer figure.") var holdSeconds = 10
    @Flag(help: "Print one JSON object.") var json = false

    struct Report: Codable {
        let latencyMs: Int
        let deliveries: Int
        let ratePerSecond: Int
        /// From sending a delivery to its run having written the CRM and recorded it.
        let deliveryToWriteP50Ms: Double
        let deliveryToWriteP99Ms: Double
        /// The webhook's own answer times meanwhile.
        let answerP50Ms: Double
        let answerP99Ms: Double
        /// Answers while every CRM request is held for `holdSeconds`.
        let heldSeconds: Int
        let heldDeliveries: Int
        let heldAnswerP50Ms: Double
        let heldAnswerP99Ms: Double
        let heldAnswerMaxMs: Double
    }

    func run() async throws {
        guard deliveries > 0, rate > 0, holdSeconds > 0 else { throw ValidationError("counts must be positive") }
        let environment = try await BenchEnvironment.start(latencyMs: latencyMs)
        let secret = "key_bench_" + UUID().uuidString
        let (agent, action) = try await setUp(environment, secret: secret)
        let batch = UUID().uuidString.prefix(6).lowercased()
        let (sent, answers) = try await deliver(environment, agent: agent, secret: secret, count: deliveries, prefix: "w\(batch)")
        try await waitForRuns(environment, action: action, count: deliveries)
        let written = try await contactsCreated(environment)
        let latencies = sent.compactMap { email, at in written[email].map { $0.timeIntervalSince(at) * 1000 } }
        guard latencies.count == deliveries else { throw BenchError("\(deliveries - latencies.count) deliveries made no contact") }
        // The CRM held: every request waits `holdSeconds`; the webhook must still answer at once.
        try await holdCRM(environment, milliseconds: holdSeconds * 1000)
        let held = try await deliver(environment, agent: agent, secret: secret, count: holdSeconds * rate, prefix: "h\(batch)").answers
        try await holdCRM(environment, milliseconds: latencyMs)
        await environment.stop()
        let report = Report(
            latencyMs: latencyMs, deliveries: deliveries, ratePerSecond: rate,
            deliveryToWriteP50Ms: percentile(latencies, 0.5), deliveryToWriteP99Ms: percentile(latencies, 0.99),
            answerP50Ms: percentile(answers, 0.5), answerP99Ms: percentile(answers, 0.99),
            heldSeconds: holdSeconds, heldDeliveries: held.count, heldAnswerP50Ms: percentile(held, 0.5), heldAnswerP99Ms: percentile(held, 0.99),
            heldAnswerMaxMs: held.max() ?? 0)
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            announce(String(decoding: try encoder.encode(report), as: UTF8.self))
        } else {
            announce(String(
                format: "Retell call_analyzed deliveries, %d at %d/s, emulator latency %d ms: delivery to CRM write p50 %.1f ms, p99 %.1f ms; webhook answers p50 %.2f ms, p99 %.2f ms",
                deliveries, rate, latencyMs, report.deliveryToWriteP50Ms, report.deliveryToWriteP99Ms, report.answerP50Ms, report.answerP99Ms))
            announce(String(
                format: "With every CRM request held %d s: %d deliveries answered p50 %.2f ms, p99 %.2f ms, max %.2f ms",
                holdSeconds, held.count, report.heldAnswerP50Ms, report.heldAnswerP99Ms, report.heldAnswerMaxMs))
        }
    }

    /// A voice agent with an offline HubSpot action, connected to Retell with `secret`.
    private func setUp(_ environment: BenchEnvironment, secret: String) async throws -> (agent: String, action: String) {
        let (action, _) = try await environment.action(.hubspot, allowCreate: true, allowUpdateExisting: true, offlineSync: true)
        guard let agent = try await environment.call(.POST, "/v1/agents", json: ["name": "Phone", "channel": "voice", "actionIds": [action], "extraction": ["mode": "off"]])
            .body["id"] as? String
        else { throw BenchError("could not create the agent") }
        let mapping = [["key": "email", "agentField": "email"], ["key": "first", "agentField": "first_name"], ["key": "last", "agentField": "last_name"]]
        let connected = try await environment.call(.PUT, "/v1/agents/\(agent)/platform", json: ["platform": "retell", "secret": secret, "mapping": mapping])
        guard connected.status == 200 else { throw BenchError("could not connect the agent to Retell: \(connected.body)") }
        return (agent, action)
    }

    /// `count` deliveries at `rate` per second, each its own call; returns when each was sent and the answer times.
    private func deliver(
        _ environment: BenchEnvironment, agent: String, secret: String, count: Int, prefix: String
    ) async throws -> (sent: [String: Date], answers: [Double]) {
        let url = environment.baseURL + "/v1/agents/\(agent)/webhooks/retell"
        let interval = Duration.milliseconds(1000 / rate)
        let clock = ContinuousClock()
        let start = clock.now
        return try await withThrowingTaskGroup(of: (String, Date, Double).self) { group in
            for index in 0..<count {
                try await clock.sleep(until: start + interval * index)
                let callId = "\(prefix)-\(index)"
                group.addTask {
                    let body = Self.callAnalyzed(callId: callId, email: "\(callId)@calls.example")
                    var request = HTTPClientRequest(url: url)
                    request.method = .POST
                    request.headers.add(name: "Content-Type", value: "application/json")
                    for (name, value) in WebhookSignature.sign(.retell, body: body, secret: secret, at: Date()) { request.headers.add(name: name, value: value) }
                    request.body = .bytes(ByteBuffer(bytes: body))
                    let sentAt = Date()
                    let began = clock.now
                    let response = try await HTTPClient.shared.execute(request, timeout: .seconds(60))
                    _ = try await response.body.collect(upTo: 1 << 16)
                    let elapsed = (clock.now - began).milliseconds
                    guard response.status == .ok else { throw BenchError("a delivery answered \(response.status.code)") }
                    return ("\(callId)@calls.example", sentAt, elapsed)
                }
            }
            var sent: [String: Date] = [:]
            var answers: [Double] = []
            for try await (conversation, at, elapsed) in group {
                sent[conversation] = at
                answers.append(elapsed)
            }
            return (sent, answers)
        }
    }

    /// A signed-size Retell `call_analyzed` body for one call.
    static func callAnalyzed(callId: String, email: String) -> [UInt8] {
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        return Array(#"""
            {"event":"call_analyzed","call":{"call_type":"phone_call","call_id":"\#(callId)","agent_id":"agent_bench","call_status":"ended",\#
            "direction":"inbound","from_number":"+14155550142","to_number":"+14155550100","start_timestamp":\#(now - 60_000),"end_timestamp":\#(now),\#
            "transcript_object":[{"role":"agent","content":"Thanks for calling."},{"role":"user","content":"Hi, I would like a demo."}],\#
            "call_analysis":{"call_summary":"Wants a demo.","custom_analysis_data":{"email":"\#(email)","first":"Ada","last":"Bench"}}}}
            """#.utf8)
    }

    /// Waits until `count` runs of `action` succeeded.
    private func waitForRuns(_ environment: BenchEnvironment, action: String, count: Int) async throws {
        let deadline = ContinuousClock.now + .seconds(120)
        while ContinuousClock.now < deadline {
            var succeeded = 0
            var cursor: String?
            repeat {
                let page = try await environment.call(.GET, "/v1/runs?actionId=\(action)&status=succeeded&limit=500" + (cursor.map { "&cursor=\($0)" } ?? "")).body
                succeeded += (page["items"] as? [[String: Any]])?.count ?? 0
                cursor = page["nextCursor"] as? String
            } while cursor != nil
            if succeeded >= count { return }
            try await Task.sleep(for: .milliseconds(200))
        }
        throw BenchError("the deliveries' runs did not all succeed within 2 minutes")
    }

    /// When the emulated HubSpot created each contact (its `createdate`, to the millisecond), by email.
    private func contactsCreated(_ environment: BenchEnvironment) async throws -> [String: Date] {
        var created: [String: Date] = [:]
        var after = "0"
        while true {
            let url = environment.hubspot.baseURL + "/crm/v3/objects/contacts?limit=100&after=\(after)&properties=email,createdate"
            let page = try await BenchEnvironment.send(.GET, url, token: "test-bench-audit").body
            for result in page["results"] as? [[String: Any]] ?? [] {
                let properties = result["properties"] as? [String: Any] ?? [:]
                if let email = properties["email"] as? String, let text = properties["createdate"] as? String,
                   let at = try? Date(text, strategy: Date.ISO8601FormatStyle(includingFractionalSeconds: true)) {
                    created[email] = at
                }
            }
            guard let next = ((page["paging"] as? [String: Any])?["next"] as? [String: Any])?["after"] as? String else { return created }
            after = next
        }
    }

    private func holdCRM(_ environment: BenchEnvironment, milliseconds: Int) async throws {
        let answer = try await BenchEnvironment.send(.POST, environment.hubspot.baseURL + "/_emulator/faults", json: ["latencyMs": milliseconds], token: nil)
        guard answer.status == 200 else { throw BenchError("the emulator refused the faults: \(answer.body)") }
    }
}
