import Foundation
import Hummingbird
import Logging

/// An emulated HubSpot CRM API (contacts, notes, properties, OAuth, account info) that the official
/// client libraries accept, with HubSpot's status codes, error bodies, rate limits and quirks.
public struct HubSpotEmulator: Sendable {
    /// How the emulated portal behaves.
    public struct Configuration: Sendable {
        /// The portal (hub) id.
        public var portalId = 20_260_001
        /// Requests per token per rolling window (HubSpot's "ten-secondly" limit).
        public var burstLimit = 110
        public var burstWindowSeconds = 10.0
        /// Search requests per token per second.
        public var searchPerSecond = 4
        /// Inputs per batch request.
        public var batchLimit = 100
        /// Answer duplicate creates with the extended 409 body (`identityProfile`) instead of the classic one.
        public var extendedConflictBody = false
        /// Known OAuth clients and their secrets; any client is accepted when it is not listed.
        public var clientSecrets: [String: String] = [:]
        /// The only redirect URIs authorization sends codes to; nil accepts any (a standalone emulator for
        /// tests). `serve` names its own callbacks, so its emulators redirect nowhere else.
        public var redirectURIs: Set<String>?
        public var faults = EmulatorFaults()
        /// The clock that rate limits and tokens are counted by (a test may stop it).
        public var now: @Sendable () -> Date = { Date() }

        public init() {}
    }

    let state: HubSpotState

    public init(configuration: Configuration = Configuration()) {
        self.state = HubSpotState(configuration: configuration)
    }

    /// The routes, for serving or for testing through HummingbirdTesting.
    public func router() -> Router<EmulatorRequestContext> {
        let router = Router(context: EmulatorRequestContext.self)
        router.add(middleware: FaultMiddleware(crm: state))
        router.addAdminRoutes(state)
        addContactRoutes(router)
        addNoteRoutes(router)
        addPropertyRoutes(router)
        addOAuthRoutes(router)
        return router
    }

    /// Serves the emulator on `host:port` (0 picks a free port).
    public func start(host: String = "127.0.0.1", port: Int = 0, logger: Logger = Logger(label: "hubspot-emulator"))
        async throws -> RunningEmulator
    {
        try await RunningEmulator.start(router: router(), host: host, port: port, name: "HubSpot", logger: logger)
    }

    /// Registers an authenticated, rate-limited CRM route.
    func api(
        _ router: Router<EmulatorRequestContext>, _ method: HTTPRequest.Method, _ path: String, search: Bool = false,
        _ handler: @escaping @Sendable (Request, EmulatorRequestContext, HubSpotCaller) async throws -> Reply
    ) {
        let state = self.state
        router.on(RouterPath(path), method: method) { request, context in
            switch await state.admit(token: request.bearerToken, search: search) {
            case .denied(let reply, let headers):
                return reply.response(headers: headers)
            case .allowed(let caller, let headers):
                return try await handler(request, context, caller).response(headers: headers)
            }
        }
    }

    private func addContactRoutes(_ router: Router<EmulatorRequestContext>) {
        let state = self.state
        let base = "/crm/v3/objects/contacts"
        api(router, .get, base) { request, _, _ in
            await state.listContacts(
                limit: request.query("limit").flatMap(Int.init), after: request.query("after"), properties: request.listQuery("properties"))
        }
        api(router, .post, base) { request, context, caller in
            await state.createContact(await request.json(context: context), caller: caller)
        }
        api(router, .get, base + "/{contactId}") { request, context, _ in
            await state.readContact(
                try context.decodedParameter("contactId"), idProperty: request.query("idProperty"),
                properties: request.listQuery("properties"), associations: request.listQuery("associations") ?? [])
        }
        api(router, .patch, base + "/{contactId}") { request, context, _ in
            await state.updateContact(
                try context.decodedParameter("contactId"), idProperty: request.query("idProperty"), body: await request.json(context: context))
        }
        api(router, .delete, base + "/{contactId}") { _, context, _ in
            await state.archiveContact(try context.decodedParameter("contactId"))
        }
        api(router, .post, base + "/search", search: true) { request, context, _ in
            await state.searchContacts(await request.json(context: context))
        }
        api(router, .post, base + "/batch/read") { request, context, _ in
            await state.batchReadContacts(await request.json(context: context))
        }
        api(router, .post, base + "/batch/create") { request, context, caller in
            await state.batchCreateContacts(await request.json(context: context), caller: caller)
        }
        api(router, .post, base + "/batch/update") { request, context, _ in
            await state.batchUpdateContacts(await request.json(context: context))
        }
        api(router, .post, base + "/batch/upsert") { request, context, caller in
            await state.batchUpsertContacts(await request.json(context: context), caller: caller)
        }
        api(router, .post, base + "/batch/archive") { request, context, _ in
            await state.batchArchiveContacts(await request.json(context: context))
        }
    }

    /// Notes and calls: the same routes, each object its own.
    private func addNoteRoutes(_ router: Router<EmulatorRequestContext>) {
        let state = self.state
        for kind in Engagement.allCases {
            let base = "/crm/v3/objects/\(kind.rawValue)"
            api(router, .post, base) { request, context, caller in
                await state.createNote(await request.json(context: context), caller: caller, kind: kind)
            }
            api(router, .get, base + "/{noteId}") { request, context, _ in
                await state.readNote(try context.decodedParameter("noteId"), associations: request.listQuery("associations") ?? [], kind: kind)
            }
            api(router, .patch, base + "/{noteId}") { request, context, _ in
                await state.updateNote(try context.decodedParameter("noteId"), body: await request.json(context: context), kind: kind)
            }
            api(router, .delete, base + "/{noteId}") { _, context, _ in
                await state.archiveNote(try context.decodedParameter("noteId"), kind: kind)
            }
            api(router, .post, base + "/batch/create") { request, context, caller in
                await state.batchCreateNotes(await request.json(context: context), caller: caller, kind: kind)
            }
            api(router, .post, base + "/batch/update") { request, context, _ in
                await state.batchUpdateNotes(await request.json(context: context), kind: kind)
            }
            api(router, .post, base + "/batch/read") { request, context, _ in
                await state.batchReadNotes(await request.json(context: context), kind: kind)
            }
            api(router, .post, "/crm/v4/associations/contacts/\(kind.rawValue)/batch/read") { request, context, _ in
                await state.batchReadContactAssociations(await request.json(context: context), kind: kind)
            }
            api(router, .get, "/crm/v4/objects/contacts/{contactId}/associations/\(kind.rawValue)") { request, context, _ in
                await state.contactNoteAssociations(
                    try context.decodedParameter("contactId"), limit: request.query("limit").flatMap(Int.init), after: request.query("after"), kind: kind)
            }
        }
    }

    private func addPropertyRoutes(_ router: Router<EmulatorRequestContext>) {
        let state = self.state
        api(router, .get, "/crm/v3/properties/contacts") { _, _, _ in await state.listProperties() }
        api(router, .get, "/crm/v3/properties/contacts/{name}") { _, context, _ in
            await state.readProperty(try context.decodedParameter("name"))
        }
        api(router, .post, "/crm/v3/properties/contacts") { request, context, _ in
            await state.createProperty(await request.json(context: context))
        }
        api(router, .get, "/account-info/v3/details") { _, _, _ in await state.accountDetails() }
    }

    private func addOAuthRoutes(_ router: Router<EmulatorRequestContext>) {
        let state = self.state
        router.get("/oauth/authorize") { request, _ in
            switch await state.authorize(request.allQuery) {
            case .failure(let reply): return reply.response()
            case .success(let location): return Response.redirect(to: location, type: .found)
            }
        }
        for path in ["/oauth/v1/token", "/oauth/v3/token"] {
            router.post(RouterPath(path)) { request, context in
                await state.token(await request.form(context: context)).response()
            }
        }
        router.post("/oauth/v3/token/introspect") { request, context in
            await state.introspect(await request.form(context: context)).response()
        }
        router.post("/oauth/v3/token/revoke") { request, context in
            let form = await request.form(context: context)
            let reply = await state.revoke(form["token"] ?? "")
            return (reply.status == .noContent ? Reply(.ok) : reply).response()
        }
        router.get("/oauth/v1/access-tokens/{token}") { _, context in
            await state.accessTokenMetadata(try context.decodedParameter("token")).response()
        }
        router.delete("/oauth/v1/refresh-tokens/{token}") { _, context in
            await state.revoke(try context.decodedParameter("token")).response()
        }
    }
}

extension EmulatorRequestContext {
    /// A path parameter with percent-encoding removed.
    func decodedParameter(_ name: String) throws -> String {
        let raw = try parameters.require(name)
        return raw.removingPercentEncoding ?? raw
    }
}

extension Request {
    /// A list query parameter, whether repeated or comma-separated.
    func listQuery(_ name: String) -> [String]? {
        let values = queryItems.filter { $0.0 == name }.flatMap { $0.1.split(separator: ",").map(String.init) }
        return values.isEmpty ? nil : values
    }

    /// Every query parameter (the last value of repeated ones).
    var allQuery: [String: String] {
        Dictionary(queryItems, uniquingKeysWith: { _, last in last })
    }
}
