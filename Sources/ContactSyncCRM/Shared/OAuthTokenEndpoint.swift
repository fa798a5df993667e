import ContactSyncCore
import Foundation

/// A CRM's OAuth token endpoint: form posts, retried on 5xx and 429.
enum OAuthTokenEndpoint {
    static func post(_ form: [(String, String)], url: String, route: String, transport: HTTPTransport) async throws(CRMError) -> CRMResponse {
        let request = CRMRequest(method: .POST, url: url, route: route, body: URLEncoding.form(form), contentType: "application/x-www-form-urlencoded")
        return try await RetryPolicy(maxAttempts: 4).run { _ throws(CRMError) in
            let response = try await transport.send(request, log: nil)
            if response.status >= 500 { throw CRMError(.serverError, "\(route) answered \(response.status)", status: response.status) }
            if response.status == 429 { throw CRMError(.rateLimited, "\(route) throttled", status: 429) }
            return response
        }
    }

    /// The error for a refused token request: an invalid grant means the account must be connected again.
    static func refusal(_ response: CRMResponse, error: String?, description: String?, crmCode: String?) -> CRMError {
        CRMError(
            error == "invalid_grant" ? .reconnectRequired : .crmRejected, description ?? "The token request was refused.",
            crmCode: crmCode ?? error, status: response.status)
    }
}
