import Foundation

/// The OpenAPI 3.1 description of the REST API (`Resources/openapi.yaml`), served at `/openapi.yaml`.
enum OpenAPIDocument {
    static let yaml: String = {
        guard let url = Bundle.module.url(forResource: "openapi", withExtension: "yaml"),
            let text = try? String(contentsOf: url, encoding: .utf8)
        else { return "openapi: 3.1.0\ninfo: {title: contact-sync, version: unknown}\npaths: {}\n" }
        return text
    }()
}
