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
        return JSON.parse(Data(buffer.readableBytesView))
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
        for scheme in ["Bearer ", "bearer ", "OAuth "] where value.hasPrefix(scheme) {
            let token = value.dropFirst(scheme.count).trimmingCharacters(in: .whitespaces)
            return token.isEmpty ? nil : token
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

    private static func unescape(_ value: Substring) -> String {
        String(value).replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? String(value)
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
