import Foundation
import HTTPTypes
import Hummingbird
import Mustache

/// Renders console pages from the Mustache templates in `Resources/console` (every value HTML-escaped
/// unless a template says otherwise, and the templates never do for CRM or customer text), and serves its
/// two static files.
struct ConsoleRenderer: Sendable {
    let library: MustacheLibrary
    let stylesheet: ByteBuffer
    let script: ByteBuffer

    static func load() async throws -> ConsoleRenderer {
        var templates: [String: MustacheTemplate] = [:]
        for path in EmbeddedResources.base64.keys where path.hasPrefix("console/") && path.hasSuffix(".mustache") {
            guard let data = EmbeddedResources.data(path) else { throw ConsoleError.missingResources }
            templates[String(path.dropFirst("console/".count).dropLast(".mustache".count))] = try MustacheTemplate(string: String(decoding: data, as: UTF8.self))
        }
        func file(_ name: String) throws -> ByteBuffer {
            guard let data = EmbeddedResources.data("console/" + name) else { throw ConsoleError.missingResources }
            return ByteBuffer(data: data)
        }
        return ConsoleRenderer(library: MustacheLibrary(templates: templates), stylesheet: try file("console.css"), script: try file("htmx.min.js"))
    }

    /// Headers on every console answer: the scripts are the console's own file, nothing is framed or sniffed.
    static let securityHeaders: HTTPFields = [
        .contentSecurityPolicy: "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
            + "form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'",
        HTTPField.Name("X-Content-Type-Options")!: "nosniff",
        HTTPField.Name("Referrer-Policy")!: "same-origin",
        HTTPField.Name("X-Frame-Options")!: "DENY",
    ]

    /// `page` rendered with `template`.
    func page<Content>(_ template: String, _ page: ConsolePage<Content>, status: HTTPResponse.Status = .ok, cookies: [String] = []) -> Response {
        let html = library.render(page, withTemplate: template) ?? "<!doctype html><title>Missing page</title><p>The page template \(template) is missing.</p>"
        var headers = Self.securityHeaders
        headers[.contentType] = "text/html; charset=utf-8"
        headers[.cacheControl] = "no-store"
        for cookie in cookies { headers.append(HTTPField(name: .setCookie, value: cookie)) }
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: html)))
    }

    /// A 303 to `location` (after a form, or to the sign-in page).
    static func redirect(_ location: String, cookies: [String] = []) -> Response {
        var headers = securityHeaders
        headers[.location] = location
        for cookie in cookies { headers.append(HTTPField(name: .setCookie, value: cookie)) }
        return Response(status: .seeOther, headers: headers)
    }

    func asset(_ buffer: ByteBuffer, type: String) -> Response {
        var headers = Self.securityHeaders
        headers[.contentType] = type
        headers[.cacheControl] = "public, max-age=3600"
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: buffer))
    }
}

enum ConsoleError: Error {
    case missingResources
    /// A guarded route was reached without ``ConsoleAuthenticator`` (a wiring mistake, answered as a 500).
    case notSignedIn
}
