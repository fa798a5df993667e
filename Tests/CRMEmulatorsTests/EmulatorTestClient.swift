import CRMEmulators
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting

/// A response as the tests read it.
struct Answer: Sendable {
    let status: HTTPResponse.Status
    let headers: HTTPFields
    let json: JSON?

    func header(_ name: String) -> String? { headers[HTTPField.Name(name)!] }
}

/// Sends JSON or form requests to an emulator under test.
struct EmulatorClient: Sendable {
    let client: any TestClientProtocol
    var token: String? = "test-suite"

    func send(
        _ method: HTTPRequest.Method, _ uri: String, json body: JSON? = nil, form: [String: String]? = nil,
        headers extra: HTTPFields = [:], token override: String?? = nil
    ) async throws -> Answer {
        var headers = extra
        if let token = override ?? token { headers[.authorization] = "Bearer \(token)" }
        var buffer: ByteBuffer?
        if let body {
            headers[.contentType] = "application/json"
            buffer = ByteBuffer(bytes: body.encoded())
        } else if let form {
            headers[.contentType] = "application/x-www-form-urlencoded"
            let text = form.sorted { $0.key < $1.key }.map { "\(escape($0.key))=\(escape($0.value))" }.joined(separator: "&")
            buffer = ByteBuffer(string: text)
        } else if method == .post, uri.hasPrefix("/_emulator"), headers[.contentType] == nil {
            // Admin requests are JSON, even those without a body of their own.
            headers[.contentType] = "application/json"
            buffer = ByteBuffer(string: "{}")
        }
        let response = try await client.executeRequest(uri: uri, method: method, headers: headers, body: buffer)
        let json = response.body.readableBytes == 0 ? nil : JSON.parse(Data(response.body.readableBytesView))
        return Answer(status: response.status, headers: response.headers, json: json)
    }

    func get(_ uri: String, token: String?? = nil) async throws -> Answer { try await send(.get, uri, token: token) }

    private func escape(_ value: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return value.addingPercentEncoding(withAllowedCharacters: allowed) ?? value
    }
}

/// Runs `body` against a fresh HubSpot emulator through its router.
func withHubSpot<T: Sendable>(
    _ configure: (inout HubSpotEmulator.Configuration) -> Void = { _ in },
    _ body: @Sendable (EmulatorClient) async throws -> T
) async throws -> T {
    var configuration = HubSpotEmulator.Configuration()
    configure(&configuration)
    let app = Application(router: HubSpotEmulator(configuration: configuration).router())
    return try await app.test(.router) { client in try await body(EmulatorClient(client: client)) }
}

/// Runs `body` against a fresh Salesforce emulator through its router.
func withSalesforce<T: Sendable>(
    _ configure: (inout SalesforceEmulator.Configuration) -> Void = { _ in },
    _ body: @Sendable (EmulatorClient) async throws -> T
) async throws -> T {
    var configuration = SalesforceEmulator.Configuration()
    configure(&configuration)
    let app = Application(router: SalesforceEmulator(configuration: configuration).router())
    return try await app.test(.router) { client in try await body(EmulatorClient(client: client)) }
}

extension String {
    /// Percent-encodes for a query value.
    var queryEscaped: String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return addingPercentEncoding(withAllowedCharacters: allowed) ?? self
    }
}
