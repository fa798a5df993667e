import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOHTTP1

/// One HTTP request to a CRM.
struct CRMRequest: Sendable {
    var method: HTTPMethod
    var url: String
    /// For logs and call counts: `GET /crm/v3/objects/contacts/{id}`.
    var route: String
    var headers: [(String, String)] = []
    var body: Data?
    var contentType: String = "application/json"

    /// Whether the request changes records in the CRM (reads by POST, searches, queries and token calls do not).
    var isWrite: Bool {
        guard method != .GET else { return false }
        return !(route.hasSuffix("/search") || route.hasSuffix("/batch/read") || Self.route(route, contains: "oauth") || Self.route(route, contains: "/query"))
    }

    /// Whether `part` occurs in `route`, compared byte by byte.
    private static func route(_ route: String, contains part: StaticString) -> Bool {
        let needle = UnsafeBufferPointer(start: part.utf8Start, count: part.utf8CodeUnitCount)
        let bytes = route.utf8
        var start = bytes.startIndex
        while let found = bytes[start...].firstIndex(of: needle[0]) {
            if bytes[found...].starts(with: needle) { return true }
            start = bytes.index(after: found)
        }
        return false
    }
}

/// One HTTP answer.
struct CRMResponse: Sendable {
    let status: Int
    let headers: HTTPHeaders
    let body: Data

    func header(_ name: String) -> String? { headers.first(name: name) }

    func decode<T: Decodable>(_ type: T.Type) throws(CRMError) -> T {
        do {
            return try JSONDecoder().decode(T.self, from: body)
        } catch {
            throw CRMError(.invalidResponse, "Unreadable answer (\(status)): \(error)", status: status)
        }
    }
}

/// Sends requests with a timeout and maps transport failures to `CRMError`s. Never logs headers or bodies
/// (they carry tokens and customer data).
struct HTTPTransport: Sendable {
    let client: HTTPClient
    let timeout: Duration
    let logger: Logger
    var observer = CRMObserver()
    /// Largest answer accepted.
    let maxBody = 32 * 1024 * 1024

    func send(_ request: CRMRequest, log: CRMCallLog?) async throws(CRMError) -> CRMResponse {
        // The lease fence, checked before every write, each retry's included.
        if request.isWrite, let log, !log.mayWrite() {
            throw CRMError(.leaseLost, "\(request.route) was not sent: the worker's lease on the run ended")
        }
        var headers = HTTPHeaders()
        headers.reserveCapacity(4 + request.headers.count)
        headers.add(name: "Accept", value: "application/json")
        headers.add(name: "User-Agent", value: "contact-sync")
        for (name, value) in request.headers { headers.add(name: name, value: value) }
        if request.body != nil { headers.add(name: "Content-Type", value: request.contentType) }
        let clock = ContinuousClock()
        let start = clock.now
        var status: Int?
        defer {
            let end = clock.now
            log?.record(route: request.route, start: start, end: end)
            observer.call(request.route, status, end - start)
        }
        do {
            let outgoing = try HTTPClient.Request(url: request.url, method: request.method, headers: headers, body: request.body.map { .bytes($0) })
            // The client's channel handler collects the whole answer (no hop into this task per chunk);
            // cancelling the task cancels the request.
            let task = client.execute(
                request: outgoing, delegate: ResponseAccumulator(request: outgoing, maxBodySize: maxBody), deadline: .now() + TimeAmount(timeout))
            let response = try await withTaskCancellationHandler { try await task.futureResult.get() } onCancel: { task.cancel() }
            status = Int(response.status.code)
            logger.debug("crm call", metadata: ["route": "\(request.route)", "status": "\(response.status.code)"])
            return CRMResponse(status: Int(response.status.code), headers: response.headers, body: response.body.map { Data(buffer: $0) } ?? Data())
        } catch let error as HTTPClientError where [.deadlineExceeded, .readTimeout, .connectTimeout, .writeTimeout].contains(error) {
            logger.info("crm call timed out", metadata: ["route": "\(request.route)"])
            throw CRMError(.timeout, "\(request.route) timed out")
        } catch {
            logger.info("crm call failed", metadata: ["route": "\(request.route)", "error": "\(type(of: error))"])
            throw CRMError(.connectionFailed, "\(request.route) failed: \(error)")
        }
    }
}

extension Data {
    init(buffer: ByteBuffer) {
        self = Data(buffer.readableBytesView)
    }
}

/// Percent-encoding for path segments and query values.
enum URLEncoding {
    /// `value` with every byte of its UTF-8 other than RFC 3986's unreserved characters (ASCII letters and
    /// digits, `-._~`) percent-encoded.
    static func component(_ value: String) -> String {
        let digits = Array("0123456789ABCDEF".utf8)
        var encoded: [UInt8] = []
        encoded.reserveCapacity(value.utf8.count)
        for byte in value.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
                encoded.append(byte)
            default:
                encoded.append(UInt8(ascii: "%"))
                encoded.append(digits[Int(byte >> 4)])
                encoded.append(digits[Int(byte & 0x0F)])
            }
        }
        return String(decoding: encoded, as: UTF8.self)
    }

    static func form(_ pairs: [(String, String)]) -> Data {
        Data(pairs.map { "\(component($0.0))=\(component($0.1))" }.joined(separator: "&").utf8)
    }
}

extension TimeAmount {
    init(_ duration: Duration) {
        let (seconds, attoseconds) = duration.components
        self = .nanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
    }
}
