import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

/// `contact-sync serve` and `contact-sync emulators` (the binary beside this one) as processes of their own, so that the serving
/// process's CPU time per run can be read from /proc while this process generates the load.
struct ServeProcesses {
    /// The load generator's client: a connection per concurrent client, answers read as they come.
    let client: HTTPClient
    let serve: Process
    let emulators: Process
    let baseURL: String
    let apiKey: String
    let salesforceURL: String
    let directory: String

    /// `serveEventLoops` nil leaves serve one event loop per core; `databaseURL` serves from that PostgreSQL
    /// database instead of SQLite in a fresh directory.
    static func start(clients: Int, serveEventLoops: Int?, databaseURL: String? = nil) async throws -> ServeProcesses {
        // The product binary, built beside this one.
        let executable = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().deletingLastPathComponent().appendingPathComponent("contact-sync")
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("contact-sync-bench-\(UUID().uuidString)").path
        let (hubspotPort, salesforcePort, servePort) = (try freePort(), try freePort(), try freePort())
        let emulators = try launch(executable, ["emulators", "--hubspot-port", "\(hubspotPort)", "--salesforce-port", "\(salesforcePort)", "--unlimited"], environment: [:])
        let key = "bench-\(UUID().uuidString)"
        let loops = serveEventLoops.map { ["--event-loops", "\($0)"] } ?? []
        let database = databaseURL.map { ["--database-url", $0] } ?? []
        let serve = try launch(
            executable, ["serve", "--port", "\(servePort)", "--data-dir", directory, "--no-emulators"] + loops + database, environment: ["CONTACT_SYNC_API_KEY": key])
        var configuration = HTTPClient.Configuration()
        configuration.connectionPool.concurrentHTTP1ConnectionsPerHostSoftLimit = clients
        configuration.decompression = .disabled
        configuration.tracing.tracer = nil
        let processes = ServeProcesses(
            client: HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration), serve: serve, emulators: emulators,
            baseURL: "http://127.0.0.1:\(servePort)", apiKey: key, salesforceURL: "http://127.0.0.1:\(salesforcePort)", directory: directory)
        for _ in 0..<300 {
            if (try? await BenchEnvironment.send(.GET, processes.baseURL + "/ready", token: nil).status) == 200,
               (try? await BenchEnvironment.send(.GET, processes.salesforceURL + "/_emulator/requests", token: nil).status) == 200
            {
                return processes
            }
            try await Task.sleep(for: .milliseconds(100))
        }
        await processes.stop()
        throw BenchError("serve or the emulators did not start")
    }

    /// CPU time (user and system) the serving process has used so far, in seconds.
    func serveCPUSeconds() throws -> Double {
        let stat = try String(contentsOfFile: "/proc/\(serve.processIdentifier)/stat", encoding: .utf8)
        // Fields after the command name (which is in parentheses): state is field 3, utime 14, stime 15.
        guard let close = stat.lastIndex(of: ")") else { throw BenchError("unreadable /proc stat") }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        guard fields.count > 12, let user = Double(fields[11]), let system = Double(fields[12]) else { throw BenchError("unreadable /proc stat") }
        return (user + system) / Double(sysconf(Int32(_SC_CLK_TCK)))
    }

    func call(_ method: NIOHTTP1.HTTPMethod, _ path: String, json: Any? = nil) async throws -> (status: Int, body: [String: Any], elapsed: Duration) {
        try await BenchEnvironment.send(method, baseURL + path, json: json, token: apiKey)
    }

    /// Runs the action for a customer through the REST API, as the throughput figure's clients do: the
    /// body is written directly and only the answer's status is read. Throws unless the run succeeded.
    func run(action: String, email: String) async throws {
        guard email.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7f && $0 != UInt8(ascii: "\"") && $0 != UInt8(ascii: "\\") }) else {
            throw BenchError("a bench email needs no escaping: \(email)")
        }
        var request = HTTPClientRequest(url: baseURL + "/v1/actions/\(action)/runs")
        request.method = .POST
        request.headers.add(name: "Authorization", value: "Bearer \(apiKey)")
        request.headers.add(name: "Content-Type", value: "application/json")
        request.body = .bytes(ByteBuffer(string: #"{"fields":{"email":"\#(email)","first_name":"Bench","last_name":"Mark"}}"#))
        let response = try await client.execute(request, timeout: .seconds(120))
        let body = try await response.body.collect(upTo: 1 << 20)
        struct Answer: Decodable { let status: String }
        let answer = try? JSONDecoder().decode(Answer.self, from: body)
        guard response.status == .created || response.status == .ok, answer?.status == "succeeded" else {
            throw BenchError("a throughput run did not succeed: \(response.status) \(String(buffer: body))")
        }
    }

    func stop() async {
        try? await client.shutdown()
        for process in [serve, emulators] where process.isRunning {
            process.terminate()
            process.waitUntilExit()
        }
        try? FileManager.default.removeItem(atPath: directory)
    }

    private static func launch(_ executable: URL, _ arguments: [String], environment: [String: String]) throws -> Process {
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { _, new in new }
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        return process
    }

    private static func freePort() throws -> Int {
        let socket = Foundation.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(socket) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(socket, $0, length) == 0 && getsockname(socket, $0, &length) == 0 }
        }
        guard bound else { throw BenchError("no free port") }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}
