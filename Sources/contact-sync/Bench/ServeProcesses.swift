import Foundation
import NIOHTTP1

/// `contact-sync serve` and `contact-sync emulators` as processes of their own, so that the serving
/// process's CPU time per run can be read from /proc while this process generates the load.
struct ServeProcesses {
    let serve: Process
    let emulators: Process
    let baseURL: String
    let apiKey: String
    let salesforceURL: String
    let directory: String

    static func start() async throws -> ServeProcesses {
        let executable = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("contact-sync-bench-\(UUID().uuidString)").path
        let (hubspotPort, salesforcePort, servePort) = (try freePort(), try freePort(), try freePort())
        let emulators = try launch(executable, ["emulators", "--hubspot-port", "\(hubspotPort)", "--salesforce-port", "\(salesforcePort)", "--unlimited"], environment: [:])
        let key = "bench-\(UUID().uuidString)"
        let serve = try launch(executable, ["serve", "--port", "\(servePort)", "--data-dir", directory, "--no-emulators"], environment: ["CONTACT_SYNC_API_KEY": key])
        let processes = ServeProcesses(
            serve: serve, emulators: emulators, baseURL: "http://127.0.0.1:\(servePort)", apiKey: key,
            salesforceURL: "http://127.0.0.1:\(salesforcePort)", directory: directory)
        for _ in 0..<300 {
            if (try? await BenchEnvironment.send(.GET, processes.baseURL + "/ready", token: nil).status) == 200,
               (try? await BenchEnvironment.send(.GET, processes.salesforceURL + "/_emulator/requests", token: nil).status) == 200
            {
                return processes
            }
            try await Task.sleep(for: .milliseconds(100))
        }
        processes.stop()
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

    func stop() {
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
