import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// The request context the emulators use: the channel is kept so a fault can drop the connection.
public struct EmulatorRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    let channel: any Channel

    public init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.channel = source.channel
    }

    /// Request bodies up to 16 MiB (Salesforce collections of 200 long-text records fit).
    public var maxUploadSize: Int { 16 * 1024 * 1024 }
}

extension Response {
    /// A JSON response.
    static func json(_ status: HTTPResponse.Status, _ body: JSON, headers: HTTPFields = [:]) -> Response {
        var fields = headers
        fields[.contentType] = "application/json;charset=UTF-8"
        return Response(status: status, headers: fields, body: .init(byteBuffer: ByteBuffer(bytes: body.encoded())))
    }

    /// An empty response.
    static func empty(_ status: HTTPResponse.Status, headers: HTTPFields = [:]) -> Response {
        Response(status: status, headers: headers, body: .init())
    }
}

extension Request {
    /// The body as JSON; nil when absent or malformed.
    func json(context: EmulatorRequestContext) async -> JSON? {
        var copy = self
        guard let buffer = try? await copy.collectBody(upTo: context.maxUploadSize) else { return nil }
        return JSON.parse(buffer.readableBytesView)
    }

    /// The body as an `application/x-www-form-urlencoded` map.
    func form(context: EmulatorRequestContext) async -> [String: String] {
        var copy = self
        guard let buffer = try? await copy.collectBody(upTo: context.maxUploadSize) else { return [:] }
        return FormEncoding.decode(String(buffer: buffer))
    }

    /// The bearer token of the Authorization header (`Bearer x` or Salesforce's `OAuth x`).
    var bearerToken: String? {
        guard let value = headers[.authorization] else { return nil }
        for scheme in ["Bearer ", "bearer ", "OAuth "] where value.utf8.starts(with: scheme.utf8) {
            let isBlank = { (byte: UInt8) in byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") }
            let rest = value.utf8.dropFirst(scheme.utf8.count)
            guard let first = rest.firstIndex(where: { !isBlank($0) }), let last = rest.lastIndex(where: { !isBlank($0) }) else { return nil }
            return String(value[first..<value.utf8.index(after: last)])
        }
        return nil
    }

    /// The query string's parameters, decoded as a form (`+` is a space).
    var queryItems: [(String, String)] {
        FormEncoding.pairs(uri.query ?? "")
    }

    /// The first value of a query parameter.
    func query(_ name: String) -> String? {
        queryItems.first { $0.0 == name }?.1
    }
}

/// `application/x-www-form-urlencoded` bodies and query strings.
enum FormEncoding {
    static func decode(_ text: String) -> [String: String] {
        Dictionary(pairs(text), uniquingKeysWith: { _, last in last })
    }

    static func pairs(_ text: String) -> [(String, String)] {
        text.split(separator: "&").map { pair in
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            return (unescape(parts[0]), parts.count > 1 ? unescape(parts[1]) : "")
        }
    }

    static func encode(_ pairs: [(String, String)]) -> String {
        pairs.map { "\(escape($0.0))=\(escape($0.1))" }.joined(separator: "&")
    }

    static func escape(_ value: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return value.addingPercentEncoding(withAllowedCharacters: allowed) ?? value
    }

    /// `+` as a space and `%XX` as its byte; the text as it is when an escape is malformed or the bytes
    /// are not UTF-8.
    static func unescape(_ value: Substring) -> String {
        let utf8 = Array(value.utf8)
        guard utf8.contains(where: { $0 == UInt8(ascii: "+") || $0 == UInt8(ascii: "%") }) else { return String(value) }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(utf8.count)
        var index = 0
        while index < utf8.count {
            switch utf8[index] {
            case UInt8(ascii: "+"):
                bytes.append(UInt8(ascii: " "))
                index += 1
            case UInt8(ascii: "%"):
                guard index + 2 < utf8.count, let high = hexValue(utf8[index + 1]), let low = hexValue(utf8[index + 2]) else { return String(value) }
                bytes.append(high << 4 | low)
                index += 3
            case let byte:
                bytes.append(byte)
                index += 1
            }
        }
        return String(validating: bytes, as: UTF8.self) ?? String(value)
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}

/// Time stamps as the CRMs print them.
enum Timestamps {
    private static let style = Date.ISO8601FormatStyle(includingFractionalSeconds: true)

    /// `2026-03-12T07:33:46.615Z` (HubSpot).
    static func iso(_ date: Date) -> String {
        style.format(date)
    }

    /// `2026-03-12T07:33:46.615+0000` (Salesforce).
    static func salesforce(_ date: Date) -> String {
        String(style.format(date).dropLast()) + "+0000"
    }
}
