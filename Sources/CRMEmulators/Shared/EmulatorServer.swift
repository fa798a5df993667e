import Foundation
import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle

/// An emulator serving HTTP on a port of its own, started in-process (port 0 picks a free port).
public final class RunningEmulator: Sendable {
    /// `http://host:port`.
    public let baseURL: String
    public let port: Int
    private let task: Task<Void, any Error>
    private let group: ServiceGroup

    init(baseURL: String, port: Int, task: Task<Void, any Error>, group: ServiceGroup) {
        self.baseURL = baseURL
        self.port = port
        self.task = task
        self.group = group
    }

    /// Stops serving: requests under way are answered, then the server closes (a graceful stop, which
    /// logs no error); a request still held after two seconds is cancelled.
    public func shutdown() async {
        await group.triggerGracefulShutdown()
        _ = await task.result
    }

    /// Starts `router` on `host:port` and returns once it listens.
    static func start(
        router: Router<EmulatorRequestContext>, host: String, port: Int, name: String, logger: Logger
    ) async throws -> RunningEmulator {
        let (ports, continuation) = AsyncStream<Int>.makeStream()
        let app = Application(
            router: router,
            configuration: .init(address: .hostname(host, port: port), serverName: name),
            onServerRunning: { channel in
                continuation.yield(channel.localAddress?.port ?? port)
                continuation.finish()
            },
            logger: logger)
        var configuration = ServiceGroupConfiguration(services: [app], logger: logger)
        // Requests held by injected faults (hangs, long latencies) would keep a graceful stop waiting: they
        // get two seconds, then they are cancelled.
        configuration.maximumGracefulShutdownDuration = .seconds(2)
        let group = ServiceGroup(configuration: configuration)
        let task = Task {
            defer { continuation.finish() }
            try await group.run()
        }
        var iterator = ports.makeAsyncIterator()
        guard let bound = await iterator.next() else {
            task.cancel()
            _ = await task.result
            throw EmulatorStartError(name: name, host: host, port: port)
        }
        let shownHost = host.contains(":") ? "[\(host)]" : host
        return RunningEmulator(baseURL: "http://\(shownHost):\(bound)", port: bound, task: task, group: group)
    }
}

/// The emulator could not listen.
public struct EmulatorStartError: Error, CustomStringConvertible {
    public let name: String
    public let host: String
    public let port: Int
    public var description: String { "\(name) emulator could not listen on \(host):\(port)" }
}
