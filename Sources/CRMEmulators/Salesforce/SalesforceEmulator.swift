import Foundation
import HTTPTypes
import Hummingbird
import Logging

/// An emulated Salesforce REST API for Contacts (describe, SOQL, sObject and sObject Collections,
/// OAuth 2.0 with PKCE, identity) with Salesforce's error arrays, limits and duplicate rules.
public struct SalesforceEmulator: Sendable {
    /// What the org's Email duplicate rule does.
    public enum DuplicateRule: String, Sendable, Codable {
        case off
        /// Blocks duplicates unless the request sends `Sforce-Duplicate-Rule-Header: allowSave=true`.
        case alert
        /// Always blocks duplicates.
        case block
    }

    /// How the emulated org behaves.
    public struct Configuration: Sendable {
        /// Seeds the org id.
        public var orgSerial: UInt64 = 1
        /// API calls allowed per day before 403 REQUEST_LIMIT_EXCEEDED.
        public var dailyApiLimit = 100_000
        public var duplicateRule = DuplicateRule.off
        /// The instance URL reported by OAuth; by default the URL the request reached.
        public var publicURL: String?
        /// Known OAuth clients and their secrets; any client is accepted when it is not listed.
        public var clientSecrets: [String: String] = [:]
        /// The only redirect URIs authorization sends codes to; nil accepts any (a standalone emulator for
        /// tests). `serve` names its own callbacks, so its emulators redirect nowhere else.
        public var redirectURIs: Set<String>?
        public var faults = EmulatorFaults()

        public init() {}
    }

    /// API versions served (`vNN.0`).
    public static let supportedVersions = Array(31...66)
    /// URIs longer than this are refused (414), as Salesforce does.
    static let uriLimit = 16_384

    /// The release name of an API version, e.g. 62 → "Winter '25".
    static func releaseName(_ version: Int) -> String {
        let offset = version - 60
        let season = ((offset % 3) + 3) % 3
        let year = 24 + Int((Double(offset + 1) / 3).rounded(.down))
        return "\(["Spring", "Summer", "Winter"][season]) '\(year)"
    }

    let state: SalesforceState
    let publicURL: String?

    public init(configuration: Configuration = Configuration()) {
        self.state = SalesforceState(configuration: configuration)
        self.publicURL = configuration.publicURL
    }

    public func router() -> Router<EmulatorRequestContext> {
        let router = Router(context: EmulatorRequestContext.self)
        router.add(middleware: FaultMiddleware(crm: state))
        router.addAdminRoutes(state)
        addSalesforceAdminRoutes(router)
        addDataRoutes(router)
        addOAuthRoutes(router)
        return router
    }

    public func start(host: String = "127.0.0.1", port: Int = 0, logger: Logger = Logger(label: "salesforce-emulator"))
        async throws -> RunningEmulator
    {
        try await RunningEmulator.start(router: router(), host: host, port: port, name: "Salesforce", logger: logger)
    }

    /// Registers an authenticated, counted API route under `/services/data/{version}`.
    /// The sObject type a route names (`Contact`, `Task`), nil for any other.
    static func object(_ context: EmulatorRequestContext) -> SalesforceState.SObject? {
        (try? context.decodedParameter("object")).flatMap(SalesforceState.SObject.init(name:))
    }

    /// Salesforce's answer for an sObject type it does not have.
    static func notFoundType(_ context: EmulatorRequestContext) -> Reply {
        let name = (try? context.decodedParameter("object")) ?? ""
        return SalesforceProblem.reply(.notFound, [SalesforceProblem(code: "NOT_FOUND", message: "The requested resource does not exist: sObject type '\(name)' is not supported.")])
    }

    private func api(
        _ router: Router<EmulatorRequestContext>, _ method: HTTPRequest.Method, _ path: String,
        _ handler: @escaping @Sendable (Request, EmulatorRequestContext, SalesforceCaller, String) async throws -> Reply
    ) {
        let state = self.state
        router.on(RouterPath("/services/data/{version}" + path), method: method) { request, context in
            let version = try context.parameters.require("version")
            guard version.hasPrefix("v"), let number = Double(version.dropFirst()), Self.supportedVersions.contains(Int(number)) else {
                return SalesforceProblem.reply(.notFound, [SalesforceProblem(code: "NOT_FOUND", message: "The requested resource does not exist")]).response()
            }
            if request.uri.description.utf8.count > Self.uriLimit {
                return SalesforceProblem.reply(.uriTooLong, [SalesforceProblem(code: "URI_TOO_LONG", message: "The request URI is too long.")]).response()
            }
            if let object = context.parameters.get("object"), SalesforceState.SObject(name: object) == nil {
                return SalesforceProblem.reply(.notFound, [SalesforceProblem(code: "NOT_FOUND", message: "The requested resource does not exist")]).response()
            }
            switch await state.admit(token: request.bearerToken) {
            case .denied(let reply, let headers):
                return reply.response(headers: headers)
            case .allowed(let caller, let headers):
                return try await handler(request, context, caller, version).response(headers: headers)
            }
        }
    }

    private func addDataRoutes(_ router: Router<EmulatorRequestContext>) {
        let state = self.state
        // Hummingbird treats a trailing slash as the same route, so `/services/data/` is served too.
        router.get("/services/data") { _, _ in state.versions().response() }
        api(router, .get, "") { _, _, _, version in
            Reply(.ok, [
                "sobjects": .string("/services/data/\(version)/sobjects"), "query": .string("/services/data/\(version)/query"),
                "composite": .string("/services/data/\(version)/composite"), "limits": .string("/services/data/\(version)/limits"),
            ])
        }
        api(router, .get, "/limits") { _, _, _, _ in await state.limits() }
        // Contact and Task; any other sObject type is not there.
        api(router, .get, "/sobjects/{object}/describe") { _, context, _, version in
            switch Self.object(context) {
            case .contact?: await state.describe(version: version)
            case .task?: await state.describe(.task, version: version)
            case nil: Self.notFoundType(context)
            }
        }
        api(router, .get, "/sobjects/{object}") { _, context, _, _ in
            guard let object = Self.object(context) else { return Self.notFoundType(context) }
            return Reply(.ok, ["objectDescribe": ["name": .string(object.rawValue), "keyPrefix": .string(object.keyPrefix), "label": .string(object.rawValue)], "recentItems": []])
        }
        api(router, .post, "/sobjects/{object}") { request, context, caller, _ in
            switch Self.object(context) {
            case .contact?: await state.create(await request.json(context: context), caller: caller, allowSave: request.allowsDuplicateSave)
            case .task?: await state.createTask(await request.json(context: context), caller: caller)
            case nil: Self.notFoundType(context)
            }
        }
        api(router, .get, "/sobjects/{object}/{id}") { request, context, _, version in
            switch Self.object(context) {
            case .contact?: await state.read(try context.decodedParameter("id"), fields: request.listQuery("fields"), version: version)
            case .task?: await state.readTask(try context.decodedParameter("id"), version: version)
            case nil: Self.notFoundType(context)
            }
        }
        api(router, .patch, "/sobjects/{object}/{id}") { request, context, caller, _ in
            switch Self.object(context) {
            case .contact?:
                await state.update(
                    try context.decodedParameter("id"), body: await request.json(context: context), caller: caller,
                    allowSave: request.allowsDuplicateSave)
            case .task?: await state.updateTask(try context.decodedParameter("id"), body: await request.json(context: context))
            case nil: Self.notFoundType(context)
            }
        }
        api(router, .delete, "/sobjects/{object}/{id}") { _, context, _, _ in
            switch Self.object(context) {
            case .contact?: await state.delete(try context.decodedParameter("id"))
            case .task?: await state.deleteTask(try context.decodedParameter("id"))
            case nil: Self.notFoundType(context)
            }
        }
        api(router, .get, "/query") { request, _, _, version in
            await state.query(request.query("q"), version: version)
        }
        // Hummingbird serves `/search/` (simple-salesforce's form) by the same route.
        api(router, .get, "/search") { request, _, _, version in
            await state.search(request.query("q"), version: version)
        }
        api(router, .post, "/composite/sobjects") { request, context, caller, _ in
            await state.createCollection(await request.json(context: context), caller: caller, allowSave: request.allowsDuplicateSave)
        }
        api(router, .patch, "/composite/sobjects") { request, context, caller, _ in
            await state.updateCollection(await request.json(context: context), caller: caller, allowSave: request.allowsDuplicateSave)
        }
    }

    private func addOAuthRoutes(_ router: Router<EmulatorRequestContext>) {
        let state = self.state
        let configured = publicURL
        router.get("/services/oauth2/authorize") { request, _ in
            switch await state.authorize(request.allQuery) {
            case .failure(let reply): return reply.response()
            case .success(let location): return Response.redirect(to: location, type: .found)
            }
        }
        router.post("/services/oauth2/token") { request, context in
            let form = await request.form(context: context)
            return await state.token(form, baseURL: configured ?? request.baseURL).response()
        }
        router.post("/services/oauth2/revoke") { request, context in
            let form = await request.form(context: context)
            return await state.revoke(form["token"] ?? request.query("token") ?? "").response()
        }
        for path in ["/services/oauth2/userinfo", "/id/{org}/{user}"] {
            router.get(RouterPath(path)) { request, _ in
                switch await state.admit(token: request.bearerToken) {
                case .denied(let reply, let headers): return reply.response(headers: headers)
                case .allowed(let caller, let headers):
                    return await state.identity(caller, baseURL: configured ?? request.baseURL).response(headers: headers)
                }
            }
        }
    }

    private func addSalesforceAdminRoutes(_ router: Router<EmulatorRequestContext>) {
        let state = self.state
        router.post("/_emulator/duplicate-rule") { request, context in
            guard let mode = await request.json(context: context)?["mode"]?.string, let rule = DuplicateRule(rawValue: mode) else {
                return Response.json(.badRequest, ["error": "invalid_mode", "message": "mode must be off, alert or block"])
            }
            await state.setDuplicateRule(rule)
            return Response.json(.ok, ["mode": .string(rule.rawValue)])
        }
        router.post("/_emulator/limits") { request, context in
            guard let limit = await request.json(context: context)?["dailyApiRequests"]?.int, limit >= 0 else {
                return Response.json(.badRequest, ["error": "invalid_limits", "message": "dailyApiRequests must be a whole number"])
            }
            await state.setDailyLimit(limit)
            return Response.json(.ok, ["dailyApiRequests": .int(limit)])
        }
    }
}

extension Request {
    /// Whether `Sforce-Duplicate-Rule-Header` asks to save despite an alerting duplicate rule.
    var allowsDuplicateSave: Bool {
        let value = headers[HTTPField.Name("Sforce-Duplicate-Rule-Header")!]?.lowercased().replacingOccurrences(of: " ", with: "") ?? ""
        return value.split(separator: ";").contains("allowsave=true")
    }

    /// `http://host:port` as the client addressed this server.
    var baseURL: String {
        "http://\(head.authority ?? "127.0.0.1")"
    }
}
