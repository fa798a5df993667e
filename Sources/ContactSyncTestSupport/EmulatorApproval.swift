import AsyncHTTPClient
import Foundation

/// Approves an authorization at an emulator as a user would: follows its authorize URL without following the
/// redirect, and returns the query the CRM sends back to the callback (`code` and `state`).
public enum EmulatorApproval {
    /// A client that leaves redirects to the test (the callback URL is not served in tests).
    private static let noRedirects = HTTPClient(eventLoopGroupProvider: .singleton, configuration: .init(redirectConfiguration: .disallow))

    /// The callback query of an approved authorization, by name. The wait is long on purpose: this is not a
    /// timing check, and a loaded machine running every suite at once can take seconds to answer.
    public static func approve(_ authorizeURL: String) async throws -> [String: String] {
        let response = try await noRedirects.execute(HTTPClientRequest(url: authorizeURL), timeout: .seconds(60))
        let items = URLComponents(string: response.headers.first(name: "Location") ?? "")?.queryItems ?? []
        return Dictionary(items.compactMap { item in item.value.map { (item.name, $0) } }, uniquingKeysWith: { first, _ in first })
    }
}
