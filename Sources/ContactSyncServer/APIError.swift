import ContactSyncCore
import ContactSyncRuntime
import Foundation
import Hummingbird
import NIOCore

/// An API error answer: `{"error":{"code","message","details":[…]}}`.
struct APIError: Error, HTTPResponseError {
    let status: HTTPResponse.Status
    let code: ServiceError.Code
    let message: String
    var details: [ServiceError.Detail] = []

    var headers: HTTPFields {
        var fields: HTTPFields = [.contentType: "application/json"]
        // RFC 9110: a 401 names the scheme it wants (MCP hosts rely on it).
        if status == .unauthorized { fields[.wwwAuthenticate] = "Bearer" }
        return fields
    }

    private struct Body: Encodable {
        struct Inner: Encodable {
            let code: String
            let message: String
            let details: [ServiceError.Detail]
            /// How many details were left out (only when some were).
            let omittedDetails: Int?
        }
        let error: Inner
    }

    /// The most details an answer lists; the message says how many more there were.
    static let maxDetails = 50

    func response(from request: Request, context: some RequestContext) throws -> Response {
        let omitted = max(0, details.count - Self.maxDetails)
        let text = omitted == 0 ? message : message + " (\(omitted) more problem\(omitted == 1 ? "" : "s") not listed.)"
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let data = try encoder.encode(Body(error: .init(
            code: code.rawValue, message: text, details: Array(details.prefix(Self.maxDetails)), omittedDetails: omitted == 0 ? nil : omitted)))
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    static func invalidRequest(_ message: String) -> APIError { APIError(status: .badRequest, code: .invalidRequest, message: message) }
    static func notFound(_ message: String = "Not found.") -> APIError { APIError(status: .notFound, code: .notFound, message: message) }

    init(status: HTTPResponse.Status, code: ServiceError.Code, message: String, details: [ServiceError.Detail] = []) {
        self.status = status
        self.code = code
        self.message = message
        self.details = details
    }

    init(_ error: ServiceError) {
        self.init(status: error.kind.status, code: error.code, message: error.message, details: error.details)
    }
}

/// Turns every failure into a JSON error with a code: bad input is a 4xx, never a 500.
struct ErrorMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as APIError {
            return try error.response(from: request, context: context)
        } catch let error as ServiceError {
            return try APIError(error).response(from: request, context: context)
        } catch is NIOTooManyBytesError {
            return try APIError(status: .contentTooLarge, code: .payloadTooLarge, message: "The request body is over the limit.")
                .response(from: request, context: context)
        } catch let error as DecodingError {
            return try APIError.invalidRequest(Self.describe(error)).response(from: request, context: context)
        } catch let error as HTTPError {
            let mapped: APIError = switch error.status {
            case .contentTooLarge: APIError(status: .contentTooLarge, code: .payloadTooLarge, message: "The request body is over the limit.")
            case .notFound: .notFound("No such route.")
            case .methodNotAllowed: APIError(status: .methodNotAllowed, code: .methodNotAllowed, message: "Method not allowed.")
            case .unauthorized: APIError(status: .unauthorized, code: .unauthorized, message: "A valid API key is required.")
            default:
                error.status.code < 500
                    ? APIError(status: error.status, code: .invalidRequest, message: error.body ?? "The request is not valid.")
                    : APIError(status: .internalServerError, code: .internalError, message: "Something went wrong.")
            }
            return try mapped.response(from: request, context: context)
        } catch where ClientFault.isClientFault(error) {
            // The client went away or sent what HTTP cannot parse: its doing, not ours.
            context.logger.debug("request aborted", metadata: ["error": "\(type(of: error))", "path": "\(request.uri.path)"])
            return try APIError.invalidRequest("The request could not be read.").response(from: request, context: context)
        } catch {
            context.logger.error("unhandled error", metadata: ["error": "\(type(of: error))", "path": "\(request.uri.path)"])
            return try APIError(status: .internalServerError, code: .internalError, message: "Something went wrong.").response(from: request, context: context)
        }
    }

    /// A field's place in the body as the API names it: `mappings.0.crmField`.
    static func path(_ keys: [any CodingKey]) -> String {
        keys.map { key in key.intValue.map(String.init) ?? LogText.escaped(key.stringValue, limit: 100) }.joined(separator: ".")
    }

    static func describe(_ error: DecodingError) -> String {
        switch error {
        case .typeMismatch(_, let context), .valueNotFound(_, let context), .dataCorrupted(let context):
            let path = Self.path(context.codingPath)
            return path.isEmpty ? "The body is not valid JSON of the expected shape." : "Invalid value at \(path)."
        case .keyNotFound(let key, let context):
            return "Missing \(Self.path(context.codingPath + [key]))."
        @unknown default:
            return "The body is not valid JSON."
        }
    }
}

/// Requires `Authorization: Bearer <key>` on every `/v1` route and names the caller; what each caller may
/// reach is the route groups' business (`CallerScope`).
struct APIKeyMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext
    let authenticate: @Sendable (String) async -> Caller?
    /// Slows a client that keeps offering wrong keys.
    let failures: FailedAuthentications

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let header = request.headers[.authorization], header.hasPrefix("Bearer "),
            case let key = String(header.dropFirst(7)).trimmingCharacters(in: .whitespaces), !key.isEmpty,
            let caller = await authenticate(key)
        else {
            await failures.failed(address: context.remoteAddress, path: request.uri.path)
            throw APIError(status: .unauthorized, code: .unauthorized, message: "A valid API key is required (Authorization: Bearer <key>).")
        }
        var context = context
        context.caller = caller
        return try await next(request, context)
    }
}

/// Who may reach a group of routes: the admin key opens everything; an agent key only its own agent's MCP
/// endpoint and the conversation routes (which check that the conversation is its agent's). Elsewhere an
/// agent key answers 403.
enum CallerScope: RouterMiddleware {
    typealias Context = AppRequestContext
    /// Configuration, accounts, runs, metrics: the admin key only.
    case admin
    /// An agent's own routes (`/v1/agents/{id}/…`): the admin key, or that agent's key.
    case ownAgent

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        if case .agent(let agentId)? = context.caller {
            let allowed = switch self {
            case .admin: false
            case .ownAgent: context.parameters.get("id") == agentId
            }
            guard allowed else {
                throw APIError(status: .forbidden, code: .forbidden, message: "An agent key opens only its agent's MCP endpoint and conversations.")
            }
        }
        return try await next(request, context)
    }
}

/// Errors a client causes by going away or sending malformed HTTP, which are logged at debug, not error.
enum ClientFault {
    static func isClientFault(_ error: any Error) -> Bool {
        if error is CancellationError || error is ChannelError || error is IOError { return true }
        let name = String(reflecting: type(of: error))
        return name.hasPrefix("NIOHTTP1.") || name.hasPrefix("NIOCore.") || name.hasPrefix("NIOPosix.")
    }
}

extension ServiceError.Kind {
    /// The HTTP status of a refusal of this kind: the one mapping the API and the console answer with.
    var status: HTTPResponse.Status {
        switch self {
        case .badRequest: .badRequest
        case .notFound: .notFound
        case .conflict: .conflict
        case .unprocessable: .unprocessableContent
        case .unavailable: .serviceUnavailable
        case .tooLarge: .contentTooLarge
        case .unauthorized: .unauthorized
        }
    }
}
