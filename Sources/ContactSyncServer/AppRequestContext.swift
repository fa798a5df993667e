import ContactSyncCore
import ContactSyncRuntime
import Foundation
import Hummingbird
import NIOCore

/// The request context: JSON with RFC 3339 dates, and the body limit of the API contract.
public struct AppRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    public var maxBodyBytes = 1 << 20
    /// Who the request comes from, once its key was checked.
    var caller: Caller?
    /// The operator's console session, once ``ConsoleAuthenticator`` checked its cookie.
    var consoleSession: ConsoleSessions.Session?
    /// The connection the request came on.
    private let channel: any Channel

    /// The client's address (failed authentication is slowed per address), read only when asked.
    public var remoteAddress: SocketAddress? { channel.remoteAddress }

    public init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.channel = source.channel
    }

    public var maxUploadSize: Int { maxBodyBytes }

    public var requestDecoder: JSONDecoder {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .custom { decoder in
            let container = try decoder.singleValueContainer()
            let text = try container.decode(String.self)
            guard let date = RFC3339.date(text) else {
                throw DecodingError.dataCorruptedError(in: container, debugDescription: "'\(text)' is not an RFC 3339 date-time.")
            }
            return date
        }
        return decoder
    }

    public var responseEncoder: APIResponseEncoder { APIResponseEncoder() }
}

/// JSON answers: dates in ISO 8601, slashes unescaped, written in one pass (``CompactJSONEncoder``).
public struct APIResponseEncoder: ResponseEncoder {
    public func encode(_ value: some Encodable, from request: Request, context: some RequestContext) throws -> Response {
        let data = try CompactJSONEncoder(dateEncoding: .iso8601, escapesSlashes: false).encodeOrFallBack(value)
        var headers = HTTPFields()
        headers.reserveCapacity(4)
        headers[.contentType] = "application/json; charset=utf-8"
        headers[.contentLength] = String(data.count)
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}

/// RFC 3339 date-times as clients send them: with or without fractional seconds, `Z` or an offset.
enum RFC3339 {
    static func date(_ text: String) -> Date? {
        (try? Date.ISO8601FormatStyle(includingFractionalSeconds: true).parse(text)) ?? (try? Date.ISO8601FormatStyle().parse(text))
    }
}
