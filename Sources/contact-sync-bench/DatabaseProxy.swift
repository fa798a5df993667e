import Foundation
import NIOCore
import NIOPosix
import Synchronization

/// A TCP proxy between `serve` and PostgreSQL that adds a one-way delay to every byte in each direction (as a
/// network between them would) and counts the database round trips at the connection: each time a client
/// sends after the server last answered on that connection, one more round trip begins. Statements a client
/// sends together (a pipeline, or one statement of several parts) are one round trip, whatever the code did.
final class DatabaseProxy: Sendable {
    let port: Int
    private let channel: any Channel
    private let counter: RoundTrips

    /// Round trips so far on every connection, and how long each took at the proxy.
    final class RoundTrips: Sendable {
        private let count = Mutex(0)
        private let times = Mutex<[Double]>([])
        func add() { count.withLock { $0 += 1 } }
        var total: Int { count.withLock { $0 } }
        func took(_ duration: Duration) { times.withLock { $0.append(duration.milliseconds) } }
        var timed: Int { times.withLock { $0.count } }
        func times(from index: Int) -> [Double] { times.withLock { Array($0[min(index, $0.count)...]) } }
    }

    private let group: MultiThreadedEventLoopGroup

    private init(port: Int, channel: any Channel, counter: RoundTrips, group: MultiThreadedEventLoopGroup) {
        self.port = port
        self.channel = channel
        self.counter = counter
        self.group = group
    }

    /// The round trips counted so far.
    var roundTrips: Int { counter.total }

    /// How many round trips were timed so far; ``roundTripTimes(from:)`` gives those from an earlier count on.
    var timedRoundTrips: Int { counter.timed }

    /// How long each round trip timed since `index` took, in milliseconds: from the client's send that began
    /// it to the server's answer leaving the proxy for the client (both delays and the server's own time).
    func roundTripTimes(from index: Int) -> [Double] { counter.times(from: index) }

    /// Listens on a free loopback port and forwards to `host`:`targetPort`, each direction delayed by `delay`.
    static func start(to host: String, port targetPort: Int, delay: TimeAmount) async throws -> DatabaseProxy {
        let counter = RoundTrips()
        // A thread of its own, as a network would be: its delays do not queue behind the load generator's work.
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let channel = try await ServerBootstrap(group: group)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelInitializer { inbound in
                let client = ClientBootstrap(group: inbound.eventLoop)
                    .channelOption(.socketOption(.tcp_nodelay), value: 1)
                    .connect(host: host, port: targetPort)
                return client.flatMap { outbound in
                    let turn = Turn()
                    let toServer = Relay(to: outbound, delay: delay, onSend: { if turn.clientSends() { counter.add() } })
                    let toClient = Relay(to: inbound, delay: delay, onSend: { turn.serverSends() }, onDelivery: { turn.answered().map(counter.took) })
                    return inbound.pipeline.addHandler(toServer).flatMap { outbound.pipeline.addHandler(toClient) }
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        guard let port = channel.localAddress?.port else { throw BenchError("the database proxy has no port") }
        return DatabaseProxy(port: port, channel: channel, counter: counter, group: group)
    }

    func stop() async {
        try? await channel.close()
        try? await group.shutdownGracefully()
    }

    /// Whose turn it is on one connection: a client's send after the server's answer begins a round trip, which
    /// ends when the first part of the server's answer is passed on to the client.
    final class Turn: Sendable {
        private struct State {
            var serverAnswered = true
            var began: ContinuousClock.Instant?
        }
        private let state = Mutex(State())
        /// Returns whether this send begins a round trip.
        func clientSends() -> Bool {
            state.withLock { state in
                defer { state.serverAnswered = false }
                if state.serverAnswered { state.began = .now }
                return state.serverAnswered
            }
        }
        func serverSends() { state.withLock { $0.serverAnswered = true } }
        /// How long the round trip under way took, when this delivery is the first of its answer.
        func answered() -> Duration? {
            state.withLock { state in
                defer { state.began = nil }
                return state.began.map { .now - $0 }
            }
        }
    }

    /// Forwards what one side reads to the other after `delay`, in order; closing one side closes the other.
    final class Relay: ChannelInboundHandler, @unchecked Sendable {
        typealias InboundIn = ByteBuffer
        private let peer: any Channel
        private let delay: TimeAmount
        private let onSend: @Sendable () -> Void
        private let onDelivery: @Sendable () -> Void

        /// `onSend` as a chunk is read, `onDelivery` once it was passed on to `peer`.
        init(to peer: any Channel, delay: TimeAmount, onSend: @escaping @Sendable () -> Void, onDelivery: @escaping @Sendable () -> Void = {}) {
            self.peer = peer
            self.delay = delay
            self.onSend = onSend
            self.onDelivery = onDelivery
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            let bytes = unwrapInboundIn(data)
            onSend()
            guard delay > .zero else {
                peer.writeAndFlush(bytes, promise: nil)
                onDelivery()
                return
            }
            // Every chunk waits the same delay, so they arrive in the order they were read.
            let (peer, onDelivery) = (self.peer, self.onDelivery)
            peer.eventLoop.scheduleTask(in: delay) {
                peer.writeAndFlush(bytes, promise: nil)
                onDelivery()
            }
        }

        func channelInactive(context: ChannelHandlerContext) {
            peer.close(promise: nil)
            context.fireChannelInactive()
        }

        func errorCaught(context: ChannelHandlerContext, error: any Error) {
            context.close(promise: nil)
        }
    }
}
