import Foundation
import Hummingbird
import HummingbirdCore
import NIOCore
import NIOHTTPTypes

/// How long a client may take, and how many may be served at once. A connection that sends nothing is
/// closed after `idleTimeout`; a request's head must be complete within `headerTimeout` of its first byte,
/// and its body within `bodyTimeout` of its head. Every default is at most 60 seconds.
public struct ConnectionLimits: Sendable, Hashable {
    public var idleTimeout: Duration = .seconds(30)
    public var headerTimeout: Duration = .seconds(10)
    public var bodyTimeout: Duration = .seconds(30)
    /// Connections served at once; further clients wait in the listen queue until one closes.
    public var maxConnections: Int

    public init(maxConnections: Int = ConnectionLimits.defaultMaxConnections) {
        self.maxConnections = maxConnections
    }

    /// 1024, or fewer when the process may open fewer files (64 are kept for the database, CRM calls and logs).
    public static var defaultMaxConnections: Int { servable(1024, openFileLimit: openFileLimit) }

    /// The connections actually served: `requested`, but never so many that accepting one more would run out
    /// of file descriptors (which makes accepting fail over and over instead of waiting).
    public static func servable(_ requested: Int, openFileLimit: Int?) -> Int {
        guard let openFileLimit else { return requested }
        return max(16, min(requested, openFileLimit - 64))
    }

    /// The process's open-file limit, when it has one.
    static var openFileLimit: Int? {
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0, limit.rlim_cur < 1 << 30 else { return nil }
        return Int(limit.rlim_cur)
    }

    /// How many connections are served at once, within the open-file limit whatever was asked.
    var servedConnections: Int { Self.servable(maxConnections, openFileLimit: Self.openFileLimit) }

    /// The HTTP/1 server with these limits.
    func server() -> HTTPServerBuilder {
        let limits = self
        return .http1(configuration: .init(additionalChannelHandlers: [RequestDeadlines(limits: limits)], idleTimeout: .init(limits.idleTimeout)))
    }
}

/// Closes a connection whose request's head or body arrives too slowly, or whose request was answered before
/// its body was read (a refused body is not read to its end). It watches the raw bytes (from a companion
/// handler it puts first in the pipeline) to know when a request's head has begun, and the decoded parts to
/// know when the head and the body are complete.
final class RequestDeadlines: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    private let limits: ConnectionLimits
    /// Whether a head has arrived whose body has not ended.
    private var readingBody = false
    /// Whether the answer was begun before its request's body was read (a refusal): the connection then
    /// closes once the answer is written, instead of reading the rest of a body nobody wants.
    private var closeAfterAnswer = false
    private var deadline: Scheduled<Void>?

    init(limits: ConnectionLimits) {
        self.limits = limits
    }

    func handlerAdded(context: ChannelHandlerContext) {
        let watcher = FirstBytes { [weak self] in self?.bytesArrived(context: context) }
        try? context.pipeline.syncOperations.addHandler(watcher, position: .first)
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        cancel()
    }

    func channelInactive(context: ChannelHandlerContext) {
        cancel()
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head:
            cancel()
            readingBody = true
            arm(context, after: limits.bodyTimeout)
        case .body:
            break
        case .end:
            cancel()
            readingBody = false
        }
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        switch unwrapOutboundIn(data) {
        case .head(var head) where readingBody && head.status.kind != .informational:
            closeAfterAnswer = true
            head.headerFields[.connection] = "close"
            context.write(wrapOutboundOut(.head(head)), promise: promise)
        case .end where closeAfterAnswer:
            context.writeAndFlush(data, promise: promise)
            context.close(promise: nil)
        default:
            context.write(data, promise: promise)
        }
    }

    /// Bytes arrived: unless a body is being read or a head is already timed, they begin the next head.
    private func bytesArrived(context: ChannelHandlerContext) {
        guard !readingBody, deadline == nil else { return }
        arm(context, after: limits.headerTimeout)
    }

    private func arm(_ context: ChannelHandlerContext, after duration: Duration) {
        let loop = context.eventLoop.assumeIsolatedUnsafeUnchecked()
        deadline = loop.scheduleTask(in: .init(duration)) { [weak self] in
            self?.deadline = nil
            context.close(promise: nil)
        }
    }

    private func cancel() {
        deadline?.cancel()
        deadline = nil
    }
}

/// Tells its owner that bytes arrived, before the HTTP decoder sees them.
private final class FirstBytes: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    private let arrived: () -> Void

    init(arrived: @escaping () -> Void) {
        self.arrived = arrived
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        arrived()
        context.fireChannelRead(data)
    }
}
