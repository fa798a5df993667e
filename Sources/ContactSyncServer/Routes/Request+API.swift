import Hummingbird

extension Request {
    /// `?limit=` (default 50, 1…500) and `?cursor=`.
    func pagination() throws -> (limit: Int, cursor: String?) {
        var limit = 50
        if let text = uri.queryParameters.get("limit") {
            guard let value = Int(text), (1...500).contains(value) else { throw APIError.invalidRequest("limit must be a whole number from 1 to 500.") }
            limit = value
        }
        let cursor = uri.queryParameters.get("cursor")
        return (limit, cursor)
    }
}

extension Request {
    /// The body as JSON of `type`. Unlike Hummingbird's `decode(as:context:)`, a decoding failure reaches
    /// ``ErrorMiddleware`` as it is, which answers in the API's words (the field at fault, never a Swift type).
    func decodeJSON<T: Decodable>(as type: T.Type, context: AppRequestContext) async throws -> T {
        try await context.requestDecoder.decode(type, from: self, context: context)
    }
}

extension AppRequestContext {
    /// A path parameter, percent-decoded.
    func parameter(_ name: String) throws -> String {
        let raw = try parameters.require(name)
        return raw.removingPercentEncoding ?? raw
    }
}

/// A response with a status other than 200.
func created<Body: ResponseEncodable>(_ body: Body) -> EditedResponse<Body> {
    EditedResponse(status: .created, response: body)
}
