import ArgumentParser
import ContactSyncCore
import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix

/// `contact-sync-bench`: measures contact-sync against its emulators. It is a program of its own, beside the
/// `contact-sync` binary whose `serve` and `emulators` it starts as processes for the per-core figures.
@main
struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "contact-sync-bench", abstract: "Measure latency, burst throughput and idle memory against the emulators.",
        subcommands: [LatencyBench.self, BurstBench.self, IdleBench.self, WebhookBench.self])

    static func main() async {
        // Like serve, the load generator runs its tasks on the event loops that do its network I/O.
        _ = NIOSingletons.unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor()
        do {
            var command = try parseAsRoot()
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            exit(withError: error)
        }
    }
}

/// Prints a line to standard output at once.
func announce(_ line: String) {
    FileHandle.standardOutput.write(Data((line + "\n").utf8))
}

/// `contact-sync-bench latency`: in-conversation runs through the REST API.
struct LatencyBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "latency", abstract: "In-conversation runs through the REST API, per CRM and path.")

    @Option(name: .customLong("latency-ms"), help: "Latency the emulators add to every CRM request.") var latencyMs = 25
    @Option(help: "Runs per CRM and path (a p99 from fewer than 1,000 means little).") var runs = 1000
    @Option(name: .customLong("throughput-runs"), help: "Runs for the zero-latency throughput figure.") var throughputRuns = 3000
    @Option(help: "Concurrent clients for the throughput figure.") var concurrency = 16
    @Option(name: .customLong("serve-event-loops"), help: "serve's event loops for the throughput figure; it is also measured with one per core.")
    var serveEventLoops = 1
    @Flag(help: "Print one JSON object.") var json = false
    @Option(name: .customLong("database-url"), help: "Run the scenarios on this PostgreSQL server (in a database of their own, dropped afterwards), and measure throughput on it as well as on SQLite.")
    var databaseURL: String?
    @Option(name: .customLong("database-delay-ms"), help: "One-way delay a proxy adds between serve and PostgreSQL, in milliseconds (with --database-url).")
    var databaseDelayMs = 0.0

    struct Scenario: Codable {
        let crm: String
        let path: String
        /// Sequential CRM round trips per run as the emulator counted them (requests sent together count once).
        let roundTrips: Int
        /// Database round trips per run (the median), counted at the connection by the proxy; with --database-url only.
        var dbRoundTrips: Int?
        /// Their mean, background work included.
        var dbRoundTripsMean: Double?
        /// How long a database round trip took at the proxy (the median): the delay each way and PostgreSQL's own time.
        var dbRoundTripP50Ms: Double?
        /// CRM requests per run as the emulator counted them.
        let emulatorRequestsPerRun: Double
        /// The most round trips a run reported for itself, as a cross-check.
        let reportedRoundTrips: Int
        let p50Ms: Double
        let p99Ms: Double
        let overheadP50Ms: Double
        let overheadP99Ms: Double
    }

    func run() async throws {
        guard runs > 0, throughputRuns > 0, concurrency > 0, serveEventLoops > 0 else { throw ValidationError("counts must be positive") }
        guard databaseDelayMs >= 0, databaseDelayMs <= 1000 else { throw ValidationError("--database-delay-ms must be from 0 to 1000") }
        try await BenchDatabase.with(serverURL: databaseURL, delayMs: databaseDelayMs) { try await measureAll($0) }
    }

    /// The scenarios (on `database` through its proxy, else on SQLite) and the throughput figures.
    private func measureAll(_ database: BenchDatabase?) async throws {
        var scenarios: [Scenario] = []
        var mcp: [Scenario] = []
        let environment = try await BenchEnvironment.start(latencyMs: latencyMs, databaseURL: database?.proxiedURL)
        let floor = try await idleRequestP50(environment)
        for crm in CRM.allCases {
            let full = try await environment.action(crm, allowCreate: true, allowUpdateExisting: true)
            let guarded = try await environment.action(crm, allowCreate: true, allowUpdateExisting: false, account: full.account)
            try await environment.foreignContact(crm, email: "existing@bench.example")
            // Warm the connectors (field metadata) before measuring.
            for _ in 0..<3 { try await runOnce(environment, full.action, email: "warmup-\(UUID().uuidString.prefix(8))@bench.example") }
            let paths: [(String, String, (Int) -> String)] = [
                ("new_contact", full.action, { "new-\($0)-\(UUID().uuidString.prefix(6))@bench.example" }),
                ("existing_contact", full.action, { _ in "existing@bench.example" }),
                ("summary_only", guarded.action, { _ in "existing@bench.example" }),
            ]
            for (path, action, email) in paths {
                scenarios.append(try await measure(environment, proxy: database?.proxy, crm: crm, path: path) { index in try await runOnce(environment, action, email: email(index)) })
            }
            // The options beyond the seeds: the customer found by phone alone, and the conversation logged as a call.
            let byPhone = try await environment.action(crm, allowCreate: true, allowUpdateExisting: true, account: full.account, match: "email_then_phone")
            try await environment.foreignContact(crm, email: "phone-owner@bench.example", phone: "+1 415-555-0142")
            for _ in 0..<3 { try await runOnce(environment, byPhone.action, fields: ["phone": "(415) 555-0142", "last_name": "Mark"]) }
            try await Task.sleep(for: .milliseconds(1100))  // The warm-up's searches leave HubSpot's second.
            // HubSpot's search API allows 4 requests a second: its runs are spaced to that pace (and fewer),
            // so that the figure is the run's own, not the wait for the CRM's limit.
            scenarios.append(try await measure(
                environment, proxy: database?.proxy, crm: crm, path: "found_by_phone", runs: crm == .hubspot ? min(runs, 200) : runs,
                pause: crm == .hubspot ? .milliseconds(260) : nil
            ) { _ in
                try await runOnce(environment, byPhone.action, fields: ["phone": "(415) 555-0142", "first_name": "Bench", "last_name": "Mark"])
            })
            let logged = try await environment.action(
                crm, allowCreate: true, allowUpdateExisting: true, account: full.account, logAs: crm == .hubspot ? "call" : "task")
            for _ in 0..<3 { try await runOnce(environment, logged.action, email: "existing@bench.example") }
            scenarios.append(try await measure(environment, proxy: database?.proxy, crm: crm, path: "logged_as_call") { _ in
                try await runOnce(environment, logged.action, email: "existing@bench.example")
            })
            // The same existing-contact run as an agent's MCP tool call.
            let agent = try await environment.call(.POST, "/v1/agents", json: ["name": "Bench", "channel": "text", "actionIds": [full.action]]).body["id"] as? String ?? ""
            let tool = try await environment.call(.GET, "/v1/actions/\(full.action)").body["toolName"] as? String ?? ""
            mcp.append(try await measure(environment, proxy: database?.proxy, crm: crm, path: "existing_contact") { index in
                let answer = try await environment.mcpCall(
                    agent: agent, tool: tool,
                    arguments: ["email": "existing@bench.example", "first_name": "Bench \(index)", "last_name": "Mark", "summary": "Benchmark conversation."])
                return (answer.elapsed, answer.body)
            })
        }
        await environment.stop()
        var postgres: Throughput?
        if let database {
            postgres = try await withServe(eventLoops: serveEventLoops, databaseURL: database.url) { processes, action in
                try await measureThroughput(processes, action: action) { client in "existing-\(client)@bench.example" }
            }
        }
        report(scenarios, mcp: mcp, floor: floor, try await throughput(), postgres: postgres)
    }

    /// The median time of `GET /health` sent after 20 ms of quiet, as each step of a run follows a CRM wait:
    /// the loopback HTTP round trip from an idle machine that every path's overhead includes.
    func idleRequestP50(_ environment: BenchEnvironment) async throws -> Double {
        var times: [Double] = []
        for _ in 0..<200 {
            try await Task.sleep(for: .milliseconds(20))
            let answer = try await environment.call(.GET, "/health")
            guard answer.status == 200 else { throw BenchError("GET /health answered \(answer.status)") }
            times.append(answer.elapsed.milliseconds)
        }
        return percentile(times, 0.5)
    }


    /// `runs` runs of one path: end-to-end and overhead (end-to-end less the time waiting on the CRM)
    /// percentiles, and the CRM requests the emulator counted meanwhile.
    /// `pause` waits before each run, outside what is measured.
    func measure(
        _ environment: BenchEnvironment, proxy: DatabaseProxy?, crm: CRM, path: String, runs: Int? = nil, pause: Duration? = nil,
        _ run: (Int) async throws -> (Duration, [String: Any])
    ) async throws -> Scenario {
        let runs = runs ?? self.runs
        var total: [Double] = []
        var overhead: [Double] = []
        var reported = 0
        var database: [Double] = []
        let timed = proxy?.timedRoundTrips ?? 0
        let before = try await environment.emulatorRequests(crm)
        for index in 0..<runs {
            if let pause { try await Task.sleep(for: pause) }
            let trips = proxy?.roundTrips
            let (elapsed, body) = try await run(index)
            if let trips, let now = proxy?.roundTrips { database.append(Double(now - trips)) }
            guard body["status"] as? String == "succeeded" else { throw BenchError("a \(crm.rawValue) \(path) run did not succeed: \(body)") }
            let wait = body["crmWaitMs"] as? Double ?? 0
            total.append(elapsed.milliseconds)
            overhead.append(max(0, elapsed.milliseconds - wait))
            reported = max(reported, body["roundTrips"] as? Int ?? 0)
        }
        let after = try await environment.emulatorRequests(crm)
        let trips = Double(after.waves - before.waves) / Double(runs)
        var scenario = Scenario(
            crm: crm.rawValue, path: path, roundTrips: Int(trips.rounded()), emulatorRequestsPerRun: Double(after.total - before.total) / Double(runs),
            reportedRoundTrips: reported,
            p50Ms: percentile(total, 0.5), p99Ms: percentile(total, 0.99), overheadP50Ms: percentile(overhead, 0.5), overheadP99Ms: percentile(overhead, 0.99))
        if !database.isEmpty {
            scenario.dbRoundTrips = Int(percentile(database, 0.5).rounded())
            scenario.dbRoundTripsMean = database.reduce(0, +) / Double(database.count)
            if let times = proxy?.roundTripTimes(from: timed), !times.isEmpty { scenario.dbRoundTripP50Ms = percentile(times, 0.5) }
        }
        return scenario
    }

    @discardableResult
    func runOnce(_ environment: BenchEnvironment, _ action: String, email: String) async throws -> (Duration, [String: Any]) {
        try await runOnce(environment, action, fields: ["email": email, "first_name": "Bench", "last_name": "Mark"])
    }

    @discardableResult
    func runOnce(_ environment: BenchEnvironment, _ action: String, fields: [String: String]) async throws -> (Duration, [String: Any]) {
        let answer = try await environment.call(.POST, "/v1/actions/\(action)/runs", json: ["fields": fields, "summary": "Benchmark conversation."])
        return (answer.elapsed, answer.body)
    }

    /// What a zero-latency figure measured: runs per second, and the serving process's CPU time per run.
    struct Throughput {
        let runsPerSecond: Double
        let serveCPUMsPerRun: Double
    }

    /// The zero-latency figures: serve with `serveEventLoops` loops under both mixes, and with one loop
    /// per core under the first.
    struct ThroughputFigures {
        let spread: Throughput
        let oneCustomer: Throughput
        let perCoreLoops: Throughput
    }

    /// Runs per second through the API with emulators that answer at once, `serve`, the emulators and this
    /// load generator each a process of its own; the CPU time `serve` spent per run is read from /proc.
    /// Each client alternates a new contact and an update of an existing one. In the first mix every client
    /// updates a customer of its own, as conversations do; in the second every update goes to one customer,
    /// whose runs take turns (one writer per customer), so that figure is bound by that customer's CRM
    /// round trips rather than by the engine.
    func throughput() async throws -> ThroughputFigures {
        let (spread, oneCustomer) = try await withServe(eventLoops: serveEventLoops) { processes, action in
            let spread = try await measureThroughput(processes, action: action) { client in "existing-\(client)@bench.example" }
            return (spread, try await measureThroughput(processes, action: action) { _ in "existing@bench.example" })
        }
        let perCoreLoops = try await withServe(eventLoops: nil) { processes, action in
            try await measureThroughput(processes, action: action) { client in "existing-\(client)@bench.example" }
        }
        return ThroughputFigures(spread: spread, oneCustomer: oneCustomer, perCoreLoops: perCoreLoops)
    }

    /// Starts serve (with `eventLoops`, nil for one per core) and the emulators, sets up a warm action, and
    /// measures with them.
    private func withServe<T>(eventLoops: Int?, databaseURL: String? = nil, _ body: (ServeProcesses, String) async throws -> T) async throws -> T {
        let processes = try await ServeProcesses.start(clients: concurrency, serveEventLoops: eventLoops, databaseURL: databaseURL)
        do {
            let result = try await body(processes, try await warmAction(processes))
            await processes.stop()
            return result
        } catch {
            await processes.stop()
            throw error
        }
    }

    /// A Salesforce action whose customers to update exist, run a few times so that its connector is warm.
    private func warmAction(_ processes: ServeProcesses) async throws -> String {
        guard let account = try await processes.call(
            .POST, "/v1/accounts", json: ["crm": "salesforce", "name": "Bench", "accessToken": "test-bench", "instanceURL": processes.salesforceURL]).body["id"] as? String
        else { throw BenchError("could not connect the Salesforce emulator") }
        let body: [String: Any] = [
            "template": "salesforce.upsert_contact", "name": "Throughput", "intent": "benchmark", "accountId": account, "allowCreate": true,
            "allowUpdateExisting": true,
            "mappings": [["crmField": "Email", "agentField": "email"], ["crmField": "FirstName", "agentField": "first_name"], ["crmField": "LastName", "agentField": "last_name"]],
        ]
        guard let action = try await processes.call(.POST, "/v1/actions", json: body).body["id"] as? String else { throw BenchError("could not create the action") }
        for client in 0..<concurrency { try await processes.run(action: action, email: "existing-\(client)@bench.example") }
        for index in 0..<50 { try await processes.run(action: action, email: index % 2 == 0 ? "existing@bench.example" : "warm-\(index)@bench.example") }
        return action
    }

    /// `throughputRuns` runs from `concurrency` clients, each alternating an update of `existing(client)`
    /// and a new contact.
    func measureThroughput(_ processes: ServeProcesses, action: String, existing: @escaping @Sendable (Int) -> String) async throws -> Throughput {
        let perClient = throughputRuns / concurrency
        let batch = UUID().uuidString.prefix(6)
        let cpuBefore = try processes.serveCPUSeconds()
        let clock = ContinuousClock()
        let start = clock.now
        try await withThrowingTaskGroup(of: Void.self) { group in
            for client in 0..<concurrency {
                group.addTask {
                    for index in 0..<perClient {
                        try await processes.run(action: action, email: index % 2 == 0 ? existing(client) : "c\(client)-\(index)-\(batch)@bench.example")
                    }
                }
            }
            try await group.waitForAll()
        }
        let elapsed = clock.now - start
        let cpu = try processes.serveCPUSeconds() - cpuBefore
        let total = Double(perClient * concurrency)
        return Throughput(runsPerSecond: total / (elapsed.milliseconds / 1000), serveCPUMsPerRun: cpu * 1000 / total)
    }

    func row(_ cells: [String]) -> String {
        zip(cells, [11, 22, 13, 11, 9, 9, 13, 13, 36]).map { cell, width in cell.padding(toLength: width, withPad: " ", startingAt: 0) }.joined(separator: " ")
    }

    func report(_ scenarios: [Scenario], mcp: [Scenario], floor: Double, _ throughput: ThroughputFigures, postgres: Throughput?) {
        if json {
            struct Report: Codable {
                let scenarios: [Scenario]
                /// The existing-contact run as an MCP tool call.
                let mcpScenarios: [Scenario]
                /// Separate processes for serve (with `serveEventLoops` event loops), the emulators and the load
                /// generator; each client updates a customer of its own and creates new ones.
                let zeroLatencyRunsPerSecond: Double
                /// CPU time of the serving process per run during the zero-latency figure.
                let serveCpuMsPerRun: Double
                let serveEventLoops: Int
                /// The same with every update going to one customer, whose runs take turns.
                let oneCustomerRunsPerSecond: Double
                let oneCustomerServeCpuMsPerRun: Double
                /// The first figure again with serve on one event loop per core.
                let perCoreLoopsRunsPerSecond: Double
                let perCoreLoopsServeCpuMsPerRun: Double
                let latencyMs: Int
                let runs: Int
                /// `GET /health` after 20 ms of quiet (the median): the loopback HTTP round trip in every overhead.
                let idleRequestP50Ms: Double
                /// With --database-url: where the scenarios ran, the proxy's one-way delay, and the first
                /// zero-latency figure with serve on PostgreSQL (no proxy), measured in the same run.
                let database: String
                let databaseDelayMs: Double?
                let postgresZeroLatencyRunsPerSecond: Double?
                let postgresServeCpuMsPerRun: Double?
            }
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            let data = (try? encoder.encode(Report(
                scenarios: scenarios, mcpScenarios: mcp, zeroLatencyRunsPerSecond: throughput.spread.runsPerSecond,
                serveCpuMsPerRun: throughput.spread.serveCPUMsPerRun, serveEventLoops: serveEventLoops,
                oneCustomerRunsPerSecond: throughput.oneCustomer.runsPerSecond, oneCustomerServeCpuMsPerRun: throughput.oneCustomer.serveCPUMsPerRun,
                perCoreLoopsRunsPerSecond: throughput.perCoreLoops.runsPerSecond, perCoreLoopsServeCpuMsPerRun: throughput.perCoreLoops.serveCPUMsPerRun,
                latencyMs: latencyMs, runs: runs, idleRequestP50Ms: floor, database: databaseURL == nil ? "sqlite" : "postgres", databaseDelayMs: databaseURL == nil ? nil : databaseDelayMs,
                postgresZeroLatencyRunsPerSecond: postgres?.runsPerSecond, postgresServeCpuMsPerRun: postgres?.serveCPUMsPerRun))) ?? Data()
            announce(String(decoding: data, as: UTF8.self))
            return
        }
        announce("In-conversation runs through the REST API, emulator latency \(latencyMs) ms, \(runs) runs each, on "
            + (databaseURL == nil ? "SQLite" : String(format: "PostgreSQL through a proxy adding %.2f ms each way", databaseDelayMs)))
        announce("Round trips and CRM requests per run as the emulator counted them (requests sent together are one round trip)"
            + (databaseURL == nil ? "" : "; database round trips per run (median) as the proxy counted them at the connection, and how long one took there (median)"))
        announce(String(format: "A GET /health after 20 ms of quiet, the loopback HTTP round trip every overhead includes: %.2f ms (median)", floor))
        let header = ["crm", "path", "round trips", "requests", "p50 ms", "p99 ms", "overhead p50", "overhead p99"] + (databaseURL == nil ? [] : ["db round trips"])
        announce(row(header))
        for (prefix, list) in [("", scenarios), ("mcp ", mcp)] {
            if prefix == "mcp " { announce("The existing-contact run as an MCP tool call (POST /v1/agents/{id}/mcp, tools/call)") }
            for s in list {
                let database = s.dbRoundTrips.map { [String($0) + String(format: " (mean %.2f), %.2f ms each", s.dbRoundTripsMean ?? 0, s.dbRoundTripP50Ms ?? 0)] } ?? []
                announce(row([s.crm, prefix + s.path, String(s.roundTrips), String(format: "%.1f", s.emulatorRequestsPerRun)]
                    + [s.p50Ms, s.p99Ms, s.overheadP50Ms, s.overheadP99Ms].map { String(format: "%.2f", $0) } + database))
            }
        }
        announce(String(
            format: "Zero-latency throughput (serve with %d event loop(s), emulators and load generator in separate processes): %.0f runs/s (%d runs, %d clients, each updating its own customer); serve CPU %.2f ms per run",
            serveEventLoops, throughput.spread.runsPerSecond, throughputRuns, concurrency, throughput.spread.serveCPUMsPerRun))
        announce(String(
            format: "The same with every update to one customer (its runs take turns): %.0f runs/s; serve CPU %.2f ms per run",
            throughput.oneCustomer.runsPerSecond, throughput.oneCustomer.serveCPUMsPerRun))
        announce(String(
            format: "The first with serve on one event loop per core: %.0f runs/s; serve CPU %.2f ms per run",
            throughput.perCoreLoops.runsPerSecond, throughput.perCoreLoops.serveCPUMsPerRun))
        if let postgres {
            announce(String(
                format: "The first with serve on PostgreSQL (%d event loop(s), no proxy): %.0f runs/s; serve CPU %.2f ms per run",
                serveEventLoops, postgres.runsPerSecond, postgres.serveCPUMsPerRun))
        }
    }
}
