import Foundation
import Hummingbird

/// The request context: JSON with RFC 3339 dates, and the body limit of the API contract.
public struct AppRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    public var maxBodyBytes = 1 << 20

    public init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
    }

    public var maxUploadSize: Int { maxBodyBytes }

    public var requestDecoder: JSONDecoder {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return decoder
    }

    public var responseEncoder: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = [.withoutEscapingSlashes]
        return encoder
    }
}
