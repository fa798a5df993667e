import Hummingbird

/// A CRM answer before the transport adds its headers.
struct Reply: Sendable, Error {
    var status: HTTPResponse.Status
    var body: JSON?

    init(_ status: HTTPResponse.Status, _ body: JSON? = nil) {
        self.status = status
        self.body = body
    }

    func response(headers: HTTPFields = [:]) -> Response {
        guard let body else { return .empty(status, headers: headers) }
        return .json(status, body, headers: headers)
    }
}
