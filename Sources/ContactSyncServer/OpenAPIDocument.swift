import Foundation

/// The OpenAPI 3.1 description of the REST API (`Resources/openapi.yaml`), served at `/openapi.yaml`.
enum OpenAPIDocument {
    static let yaml: String = {
        guard let data = EmbeddedResources.data("openapi.yaml") else {
            return "openapi: 3.1.0\ninfo: {title: contact-sync, version: unknown}\npaths: {}\n"
        }
        return String(decoding: data, as: UTF8.self)
    }()
}
