import AsyncHTTPClient
import ContactSyncCore
import Foundation
import Logging
import NIOHTTP1

/// A HubSpot account's contacts and notes over the CRM v3 API.
///
/// Looks contacts up by `idProperty=email` (never search-then-create), turns a 409 into the existing id,
/// paces calls by `X-HubSpot-RateLimit-*`, renews OAuth tokens before they expire, and retries throttling,
/// server errors and dropped connections with jittered backoff.
public struct HubSpotConnector: CRMConnector {
    public struct Settings: Sendable {
        /// The API root; an emulator's URL works too.
        public var baseURL = "https://api.hubapi.com"
        public var timeout: Duration = .seconds(30)
        public var retry = RetryPolicy()
        /// Told of every call, token refresh and rate-limit wait (metrics).
        public var observer = CRMObserver()
        /// The burst limit assumed until HubSpot's headers tell the real one.
        public var burstLimit = 100
        public var burstWindow: Duration = .seconds(10)
        /// The search API's own limit, which answers carry no headers about: HubSpot documents 4 requests per
        /// second (later 5); one fewer than this is sent per second.
        public var searchLimit = 5
        public var searchWindow: Duration = .seconds(1)
        /// How long field metadata is reused.
        public var fieldsTTL: TimeInterval = 300
        /// Renew an OAuth token this long before it expires.
        public var renewalMargin: TimeInterval = 300

        public init() {}
    }

    public let crm = CRM.hubspot
    /// `hs_object_source` `INTEGRATION` with the app's id as `hs_object_source_id`: a person's own creates are not.
    public let marksIntegrationCreates = true
    let settings: Settings
    let transport: HTTPTransport
    let tokens: TokenKeeper
    let pacer: RequestPacer
    /// Paces the search API, beside the burst limit every call counts against.
    let searchPacer: RequestPacer
    let cache: ConnectorCache
    let now: @Sendable () -> Date

    public init(
        client: HTTPClient, credentials: CRMCredentials, settings: Settings = Settings(),
        logger: Logger = Logger(label: "contact-sync.hubspot"),
        onCredentialsRenewed: @escaping @Sendable (CRMCredentials) async -> Void = { _ in },
        now: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.settings = settings
        self.now = now
        let transport = HTTPTransport(client: client, timeout: settings.timeout, logger: logger, observer: settings.observer)
        self.transport = transport
        let baseURL = settings.baseURL
        self.tokens = TokenKeeper(
            credentials: credentials,
            refresher: { current throws(CRMError) in
                try await HubSpotOAuth.refresh(current, baseURL: baseURL, transport: transport, now: now)
            },
            onRenewed: { [observer = settings.observer] renewed in
                observer.tokenRefreshed()
                await onCredentialsRenewed(renewed)
            }, now: now)
        self.pacer = RequestPacer(limit: settings.burstLimit, window: settings.burstWindow)
        self.searchPacer = RequestPacer(limit: settings.searchLimit, window: settings.searchWindow)
        self.cache = ConnectorCache()
    }

    public func revokeGrant() async throws(CRMError) {
        guard let refreshToken = await tokens.credentials.refreshToken else { return }
        try await HubSpotOAuth.revoke(refreshToken: refreshToken, baseURL: settings.baseURL, transport: transport)
    }

    public func prime(identity: AccountIdentity) {
        cache.setIdentity(identity)
    }

    public func recordURL(contactId: String) -> String {
        "https://app.hubspot.com/contacts/\(cache.portalIdSnapshot ?? "0")/record/0-1/\(contactId)"
    }

    // MARK: Calls

    /// Sends one API call with pacing, a fresh token (renewed once on a refused one), and—unless
    /// `retrying` is false—retries of transient failures.
    func call(
        _ method: HTTPMethod, _ path: String, route: String, query: [(String, String)] = [], body: Data? = nil,
        retrying: Bool = true, log: CRMCallLog?
    ) async throws(CRMError) -> CRMResponse {
        if !retrying { return try await callOnce(method, path, route: route, query: query, body: body, log: log) }
        return try await settings.retry.run(observer: settings.observer) { _ throws(CRMError) in
            try await callOnce(method, path, route: route, query: query, body: body, log: log)
        }
    }

    private func callOnce(
        _ method: HTTPMethod, _ path: String, route: String, query: [(String, String)], body: Data?, log: CRMCallLog?
    ) async throws(CRMError) -> CRMResponse {
        var url = settings.baseURL + path
        if !query.isEmpty { url += "?" + query.map { "\(URLEncoding.component($0.0))=\(URLEncoding.component($0.1))" }.joined(separator: "&") }
        var token = try await tokens.accessToken(renewingWithin: settings.renewalMargin)
        var response = try await send(CRMRequest(method: method, url: url, route: route, body: body), token: token, log: log)
        if response.status == 401 {
            token = try await tokens.renew(after: token).accessToken
            response = try await send(CRMRequest(method: method, url: url, route: route, body: body), token: token, log: log)
            if response.status == 401 { throw CRMError(.reconnectRequired, "HubSpot refused the renewed token.", crmCode: errorBody(response)?.category, status: 401) }
        }
        if (200..<300).contains(response.status) { return response }
        throw await error(from: response, route: route)
    }

    private func send(_ request: CRMRequest, token: String, log: CRMCallLog?) async throws(CRMError) -> CRMResponse {
        // A search counts against the search API's limit too.
        let search = request.route.hasSuffix("/search") ? await searchPacer.acquire() : nil
        let ticket = await pacer.acquire()
        var request = request
        request.headers.append(("Authorization", "Bearer \(token)"))
        let response: CRMResponse
        do {
            response = try await transport.send(request, log: log)
        } catch {
            await pacer.finished(ticket)
            if let search { await searchPacer.finished(search) }
            throw error
        }
        await pacer.finished(ticket)
        if let search { await searchPacer.finished(search) }
        await pacer.observe(
            max: response.header("X-HubSpot-RateLimit-Max").flatMap(Int.init),
            remaining: response.header("X-HubSpot-RateLimit-Remaining").flatMap(Int.init),
            interval: response.header("X-HubSpot-RateLimit-Interval-Milliseconds").flatMap(Int.init).map { .milliseconds($0) })
        return response
    }

    private func errorBody(_ response: CRMResponse) -> HubSpotWire.ErrorBody? {
        try? JSONDecoder().decode(HubSpotWire.ErrorBody.self, from: response.body)
    }

    /// Maps an error answer to a `CRMError`, keeping HubSpot's code and message.
    private func error(from response: CRMResponse, route: String) async -> CRMError {
        let body = errorBody(response)
        let message = body?.message ?? "HubSpot answered \(response.status) to \(route)"
        let retryAfter = response.header("Retry-After").flatMap(Double.init).map { Duration.milliseconds(Int($0 * 1000)) }
        switch response.status {
        case 429:
            let policy = body?.policyName ?? "TEN_SECONDLY_ROLLING"
            if policy == "DAILY" { return CRMError(.dailyLimitExceeded, message, crmCode: policy, status: 429) }
            let estimate = await pacer.waitEstimate()
            let wait = retryAfter ?? (policy == "SECONDLY" ? .seconds(1) : max(.milliseconds(500), estimate))
            await pacer.pause(for: wait)
            return CRMError(.rateLimited, message, crmCode: policy, status: 429, retryAfter: wait)
        case 409:
            return CRMError(.contactExists, message, crmCode: body?.category ?? "CONFLICT", status: 409, existingId: body.flatMap(HubSpotWire.existingId))
        case 404:
            return CRMError(.notFound, message, crmCode: body?.category, status: 404)
        case 500...:
            return CRMError(.serverError, message, crmCode: body?.category, status: response.status, retryAfter: retryAfter)
        default:
            return CRMError(.crmRejected, message, crmCode: body.flatMap(HubSpotWire.crmCode), status: response.status)
        }
    }

    // MARK: Account

    public func verify(log: CRMCallLog?) async throws(CRMError) -> AccountIdentity {
        let details = try await call(.GET, "/account-info/v3/details", route: "GET /account-info/v3/details", log: log)
            .decode(HubSpotWire.AccountDetails.self)
        var identity = AccountIdentity(accountId: String(details.portalId))
        let token = try await tokens.accessToken(renewingWithin: settings.renewalMargin)
        do throws(CRMError) {
            let info = try await call(
                .GET, "/oauth/v1/access-tokens/\(URLEncoding.component(token))", route: "GET /oauth/v1/access-tokens/{token}", log: log
            ).decode(HubSpotWire.TokenInfo.self)
            identity.appId = info.app_id.map(String.init)
            identity.userId = info.user_id.map(String.init)
        } catch where error.code == .notFound {
            // Private-app tokens have no token metadata; provenance then rests on contact-sync's own records.
        }
        cache.setIdentity(identity)
        return identity
    }

    /// The account identity, read once.
    func identity(log: CRMCallLog?) async throws(CRMError) -> AccountIdentity {
        if let known = cache.identity { return known }
        return try await verify(log: log)
    }

    public func contactFields(log: CRMCallLog?) async throws(CRMError) -> [CRMField] {
        if let fields = cache.fields(fresherThan: settings.fieldsTTL, now: now()) { return fields }
        let list = try await call(.GET, "/crm/v3/properties/contacts", route: "GET /crm/v3/properties/contacts", log: log)
            .decode(HubSpotWire.PropertyList.self)
        let fields = list.results.map(Self.field)
        cache.setFields(fields, at: now())
        return fields
    }

    static func field(_ property: HubSpotWire.Property) -> CRMField {
        let readOnly = property.modificationMetadata?.readOnlyValue ?? false
        let isEnumeration = property.type == "enumeration"
        let textual = property.type == "string" || property.type == "phone_number"
        return CRMField(
            name: property.name, label: property.label ?? property.name, type: property.type, fieldType: property.fieldType,
            length: textual ? 65_536 : nil, createable: !readOnly, updateable: !readOnly,
            calculated: (property.calculated ?? false) || (property.fieldType?.hasPrefix("calculation_") ?? false),
            custom: property.hubspotDefined != true,
            picklistValues: isEnumeration ? property.options?.filter { $0.hidden != true }.map(\.value) : nil,
            restrictedPicklist: isEnumeration && property.externalOptions != true)
    }
}
