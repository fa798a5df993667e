import AsyncHTTPClient
import CRMEmulators
import ContactSyncCore
import ContactSyncRuntime
import ContactSyncServer
import ContactSyncStore
import ContactSyncTestSupport
import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import NIOHTTP1
import Synchronization

let apiKey = "csk_test_key"

/// Collects every log line, to check that no secret is ever logged.
final class LogSink: Sendable {
    let lines = Mutex<[String]>([])

    var logger: Logger {
        Logger(label: "contact-sync", factory: { _ in SinkHandler(sink: self, metadataProvider: RunLogMetadata.provider) })
    }

    var text: String { lines.withLock { $0.joined(separator: "\n") } }
}

struct SinkHandler: LogHandler {
    let sink: LogSink
    var metadataProvider: Logger.MetadataProvider?
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .trace

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        let all = metadata.merging(metadataProvider?.get() ?? [:]) { _, new in new }.merging(event.metadata ?? [:]) { _, new in new }
        sink.lines.withLock { $0.append("\(event.level) \(event.message) \(all)") }
    }
}

/// An answer from the API under test.
struct APIAnswer: Sendable {
    let status: HTTPResponse.Status
    let headers: HTTPFields
    let body: String

    var json: [String: Any]? { (try? JSONSerialization.jsonObject(with: Data(body.utf8))) as? [String: Any] }
    var items: [[String: Any]] { json?["items"] as? [[String: Any]] ?? [] }
    var errorCode: String? { (json?["error"] as? [String: Any])?["code"] as? String }
    var details: [[String: Any]] { (json?["error"] as? [String: Any])?["details"] as? [[String: Any]] ?? [] }
    func string(_ key: String) -> String? { json?[key] as? String }
}

/// The API under test with the emulators beside it.
struct ServerHarness: Sendable {
    let client: any TestClientProtocol
    let database: StoreLocation
    let secretKey: String
    let hubspotURL: String
    let salesforceURL: String
    /// Every body the API answered, to check that no secret is ever shown.
    let bodies = BodyLog()

    @discardableResult
    func call(_ method: HTTPRequest.Method, _ uri: String, json: String? = nil, key: String? = apiKey, headers extra: HTTPFields = [:]) async throws -> APIAnswer {
        var headers = extra
        if let key { headers[.authorization] = "Bearer \(key)" }
        if json != nil { headers[.contentType] = "application/json" }
        let response = try await client.executeRequest(uri: uri, method: method, headers: headers, body: json.map { ByteBuffer(string: $0) })
        let body = String(buffer: response.body)
        bodies.append(body)
        return APIAnswer(status: response.status, headers: response.headers, body: body)
    }

    /// Approves an OAuth authorization `start` began (the 302 to the emulator) and calls back as the browser
    /// that started it (with the binding cookie the start set, unless `cookie` says otherwise).
    func oauthCallback(_ crm: CRM, after start: APIAnswer, cookie: String? = nil) async throws -> (answer: APIAnswer, code: String, state: String, cookie: String) {
        let (code, state) = try await approve(start.headers[.location] ?? "")
        let setCookie = start.headers[values: .setCookie].first { $0.hasPrefix("cs_oauth_\(state)=") } ?? ""
        let binding = cookie ?? String(setCookie.prefix { $0 != ";" })
        let answer = try await call(.get, "/oauth/\(crm.rawValue)/callback?code=\(code)&state=\(state)", key: nil, headers: [.cookie: binding])
        return (answer, code, state, binding)
    }

    /// Connects an emulator account and returns its id.
    func emulatorAccount(_ crm: CRM) async throws -> String {
        let answer = try await call(.post, "/v1/accounts", json: #"{"crm":"\#(crm.rawValue)","emulator":true}"#)
        guard answer.status == .created, let id = answer.string("id") else { throw HarnessError.unexpected(answer.body) }
        return id
    }

    /// Sends a request straight to an emulator (its admin routes).
    @discardableResult
    func emulator(_ base: String, _ method: NIOHTTP1.HTTPMethod, _ path: String, json: String? = nil) async throws -> (Int, String) {
        var request = HTTPClientRequestBuilder(url: base + path, method: method, json: json, token: nil)
        return try await request.send()
    }
}

extension ServerHarness {
    /// Every token the stored accounts hold, read the way the server does: the sealed credentials opened
    /// with the secret key.
    func storedTokens() async throws -> [String] {
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        let store = try await Store.open(database, logger: logger)
        guard let key = Data(base64Encoded: secretKey) else { throw HarnessError.unexpected("the secret key is not base64") }
        let box = try SecretBox(key: key)
        var tokens: [String] = []
        for account in try await AccountRepository(store).accounts(limit: 500, cursor: nil).items {
            let credentials = try JSONSerialization.jsonObject(with: try box.open(account.sealedCredentials)) as? [String: Any]
            for key in ["accessToken", "refreshToken", "clientSecret"] {
                if let token = credentials?[key] as? String { tokens.append(token) }
            }
        }
        try await store.close()
        return tokens
    }
}

enum HarnessError: Error { case unexpected(String) }

/// The bodies the API answered during a test.
final class BodyLog: Sendable {
    private let bodies = Mutex<[String]>([])
    func append(_ body: String) { bodies.withLock { $0.append(body) } }
    var text: String { bodies.withLock { $0.joined(separator: "\n") } }
}

/// Runs `body` against a fresh server (SQLite in a temporary directory) and fresh emulators.
func withServer<T: Sendable>(
    logSink: LogSink? = nil, configure: @Sendable (inout AppConfiguration) -> Void = { _ in },
    _ body: @Sendable (ServerHarness) async throws -> T
) async throws -> T {
    var quiet = Logger(label: "emulator")
    quiet.logLevel = .critical
    let hubspot = try await HubSpotEmulator().start(logger: quiet)
    let salesforce = try await SalesforceEmulator().start(logger: quiet)
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("contact-sync-server-\(UUID().uuidString)").path
    var configuration = AppConfiguration(database: .sqlite(path: directory + "/contact-sync.sqlite"), dataDirectory: directory)
    configuration.services.apiKey = apiKey
    configuration.services.secretKey = Data((0..<32).map { UInt8($0) }).base64EncodedString()
    configuration.services.emulatorURLs = [.hubspot: hubspot.baseURL, .salesforce: salesforce.baseURL]
    configuration.publicURL = "http://127.0.0.1:8080"
    if let logSink {
        configuration.services.logger = logSink.logger
    } else {
        var logger = Logger(label: "contact-sync")
        logger.logLevel = .critical
        configuration.services.logger = logger
    }
    configure(&configuration)
    let settings = configuration
    let app = try await buildApplication(configuration: configuration)
    do {
        let result = try await app.test(.router) { client in
            try await body(ServerHarness(
                client: client, database: settings.services.database, secretKey: settings.services.secretKey!, hubspotURL: hubspot.baseURL,
                salesforceURL: salesforce.baseURL))
        }
        await hubspot.shutdown()
        await salesforce.shutdown()
        return result
    } catch {
        await hubspot.shutdown()
        await salesforce.shutdown()
        throw error
    }
}

/// Follows an authorize URL at an emulator and returns the callback query (code and state).
func approve(_ authorizeURL: String) async throws -> (code: String, state: String) {
    let query = try await EmulatorApproval.approve(authorizeURL)
    guard let code = query["code"], let state = query["state"] else {
        throw HarnessError.unexpected("no code in the authorize redirect")
    }
    return (code, state)
}

/// A request to an emulator.
struct HTTPClientRequestBuilder {
    var request: HTTPClientRequest

    init(url: String, method: NIOHTTP1.HTTPMethod, json: String?, token: String?) {
        request = HTTPClientRequest(url: url)
        request.method = method
        if let token { request.headers.add(name: "Authorization", value: "Bearer \(token)") }
        // Emulator admin requests are JSON, even those without a body of their own.
        if let json = json ?? (method == .POST ? "{}" : nil) {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(string: json))
        }
    }

    mutating func send() async throws -> (Int, String) {
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
        return (Int(response.status.code), String(buffer: try await response.body.collect(upTo: 1 << 24)))
    }
}
