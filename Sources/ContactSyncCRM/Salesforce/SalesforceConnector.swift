import AsyncHTTPClient
import ContactSyncCore
import Foundation
import Logging
import NIOHTTP1

/// A Salesforce org's Contacts over the REST API.
///
/// Looks contacts up with SOQL whose literals are always escaped, splits `IN` lookups to stay under the
/// URL limit, writes many records through sObject Collections, renews the session on
/// `INVALID_SESSION_ID` (keeping the instance URL), and retries transient failures with backoff.
public struct SalesforceConnector: CRMConnector {
    public struct Settings: Sendable {
        public var apiVersion = "v62.0"
        public var timeout: Duration = .seconds(30)
        public var retry = RetryPolicy()
        /// Told of every call, token refresh and rate-limit wait (metrics).
        public var observer = CRMObserver()
        public var fieldsTTL: TimeInterval = 300
        /// Longest query URL sent (Salesforce refuses URIs over 16,384 bytes).
        public var maxQueryURLLength = 8_000
        /// Sends `Sforce-Duplicate-Rule-Header: allowSave=true` (saves past duplicate rules set to alert).
        public var allowSaveOnDuplicateAlert = false

        public init() {}
    }

    public let crm = CRM.salesforce
    /// `CreatedById` is the connected user, who may also make contacts by hand.
    public let marksIntegrationCreates = false
    let settings: Settings
    let transport: HTTPTransport
    let tokens: TokenKeeper
    let cache: ConnectorCache
    let usage: APIUsage
    let now: @Sendable () -> Date

    public init(
        client: HTTPClient, credentials: CRMCredentials, settings: Settings = Settings(),
        logger: Logger = Logger(label: "contact-sync.salesforce"),
        onCredentialsRenewed: @escaping @Sendable (CRMCredentials) async -> Void = { _ in },
        now: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.settings = settings
        self.now = now
        let transport = HTTPTransport(client: client, timeout: settings.timeout, logger: logger, observer: settings.observer)
        self.transport = transport
        self.tokens = TokenKeeper(
            credentials: credentials,
            refresher: { current throws(CRMError) in try await SalesforceOAuth.refresh(current, transport: transport) },
            onRenewed: { [observer = settings.observer] renewed in
                observer.tokenRefreshed()
                await onCredentialsRenewed(renewed)
            }, now: now)
        self.cache = ConnectorCache()
        self.usage = APIUsage()
    }

    public func revokeGrant() async throws(CRMError) {
        let credentials = await tokens.credentials
        guard let refreshToken = credentials.refreshToken, let login = credentials.loginURL ?? credentials.instanceURL else { return }
        try await SalesforceOAuth.revoke(token: refreshToken, loginURL: login, transport: transport)
    }

    public func prime(identity: AccountIdentity) {
        cache.setIdentity(identity)
    }

    public func recordURL(contactId: String) -> String {
        (cache.instanceURLSnapshot ?? "") + "/lightning/r/Contact/\(contactId)/view"
    }

    // MARK: Calls

    func call(
        _ method: HTTPMethod, _ path: String, route: String, query: [(String, String)] = [], body: Data? = nil,
        retrying: Bool = true, log: CRMCallLog?
    ) async throws(CRMError) -> CRMResponse {
        if !retrying { return try await callOnce(method, path, route: route, query: query, body: body, log: log) }
        return try await settings.retry.run(observer: settings.observer) { _ throws(CRMError) in
            try await callOnce(method, path, route: route, query: query, body: body, log: log)
        }
    }

    /// The URL of an API path under the current instance and version.
    func url(_ path: String, query: [(String, String)], instance: String) -> String {
        var url = instance + "/services/data/\(settings.apiVersion)" + path
        if !query.isEmpty { url += "?" + query.map { "\(URLEncoding.component($0.0))=\(URLEncoding.component($0.1))" }.joined(separator: "&") }
        return url
    }

    private func callOnce(
        _ method: HTTPMethod, _ path: String, route: String, query: [(String, String)], body: Data?, log: CRMCallLog?
    ) async throws(CRMError) -> CRMResponse {
        if let exhausted = usage.exhausted {
            throw CRMError(.dailyLimitExceeded, "The org's daily API limit is spent (\(exhausted)).", crmCode: "REQUEST_LIMIT_EXCEEDED")
        }
        var credentials = await tokens.credentials
        var response = try await send(method, path, route: route, query: query, body: body, credentials: credentials, log: log)
        if response.status == 401 {
            credentials = try await tokens.renew(after: credentials.accessToken)
            response = try await send(method, path, route: route, query: query, body: body, credentials: credentials, log: log)
            if response.status == 401 { throw CRMError(.reconnectRequired, "Salesforce refused the renewed session.", crmCode: "INVALID_SESSION_ID", status: 401) }
        }
        if (200..<300).contains(response.status) { return response }
        throw error(from: response, route: route)
    }

    private func send(
        _ method: HTTPMethod, _ path: String, route: String, query: [(String, String)], body: Data?, credentials: CRMCredentials,
        log: CRMCallLog?
    ) async throws(CRMError) -> CRMResponse {
        guard let instance = credentials.instanceURL, !instance.isEmpty else {
            throw CRMError(.misconfigured, "The Salesforce account has no instance URL.")
        }
        cache.setInstanceURL(instance)
        var request = CRMRequest(method: method, url: url(path, query: query, instance: instance), route: route, body: body)
        request.headers.append(("Authorization", "Bearer \(credentials.accessToken)"))
        if settings.allowSaveOnDuplicateAlert { request.headers.append(("Sforce-Duplicate-Rule-Header", "allowSave=true")) }
        let response = try await transport.send(request, log: log)
        usage.observe(response.header("Sforce-Limit-Info"))
        return response
    }

    /// Maps an error answer to a `CRMError`, keeping Salesforce's `errorCode` and message.
    private func error(from response: CRMResponse, route: String) -> CRMError {
        let item = (try? JSONDecoder().decode([SalesforceWire.ErrorItem].self, from: response.body))?.first
        let message = item?.message ?? "Salesforce answered \(response.status) to \(route)"
        let code = item?.errorCode
        let retryAfter = response.header("Retry-After").flatMap(Double.init).map { Duration.milliseconds(Int($0 * 1000)) }
        switch (response.status, code) {
        case (403, "REQUEST_LIMIT_EXCEEDED") where message.contains("TotalRequests"):
            return CRMError(.dailyLimitExceeded, message, crmCode: code, status: 403)
        case (429, _), (403, "REQUEST_LIMIT_EXCEEDED"):
            return CRMError(.rateLimited, message, crmCode: code, status: response.status, retryAfter: retryAfter)
        case (404, _):
            return CRMError(.notFound, message, crmCode: code, status: 404)
        case (500..., _):
            return CRMError(.serverError, message, crmCode: code, status: response.status, retryAfter: retryAfter)
        default:
            return CRMError(.crmRejected, message, crmCode: code, status: response.status)
        }
    }

    // MARK: Account

    public func verify(log: CRMCallLog?) async throws(CRMError) -> AccountIdentity {
        let credentials = await tokens.credentials
        guard let instance = credentials.instanceURL else { throw CRMError(.misconfigured, "The Salesforce account has no instance URL.") }
        let info = try await settings.retry.run(observer: settings.observer) { _ throws(CRMError) in
            var response = try await transport.send(userInfoRequest(instance: instance, token: await tokens.credentials.accessToken), log: log)
            if response.status == 401 {
                let renewed = try await tokens.renew(after: credentials.accessToken)
                response = try await transport.send(userInfoRequest(instance: renewed.instanceURL ?? instance, token: renewed.accessToken), log: log)
            }
            guard response.status == 200 else {
                throw response.status == 401
                    ? CRMError(.reconnectRequired, "Salesforce refused the session.", crmCode: "INVALID_SESSION_ID", status: 401)
                    : error(from: response, route: "GET /services/oauth2/userinfo")
            }
            return try response.decode(SalesforceWire.UserInfo.self)
        }
        let identity = AccountIdentity(accountId: info.organization_id, userId: info.user_id)
        cache.setIdentity(identity)
        return identity
    }

    private func userInfoRequest(instance: String, token: String) -> CRMRequest {
        CRMRequest(method: .GET, url: instance + "/services/oauth2/userinfo", route: "GET /services/oauth2/userinfo", headers: [("Authorization", "Bearer \(token)")])
    }

    func identity(log: CRMCallLog?) async throws(CRMError) -> AccountIdentity {
        if let known = cache.identity { return known }
        return try await verify(log: log)
    }

    public func contactFields(log: CRMCallLog?) async throws(CRMError) -> [CRMField] {
        if let fields = cache.fields(fresherThan: settings.fieldsTTL, now: now()) { return fields }
        let describe = try await call(.GET, "/sobjects/Contact/describe", route: "GET /sobjects/Contact/describe", log: log)
            .decode(SalesforceWire.Describe.self)
        let fields = describe.fields.map(Self.field)
        cache.setFields(fields, at: now())
        return fields
    }

    static func field(_ field: SalesforceWire.Field) -> CRMField {
        let createable = field.createable ?? false
        let isPicklist = field.type == "picklist" || field.type == "multipicklist"
        return CRMField(
            name: field.name, label: field.label ?? field.name, type: field.type,
            length: (field.length ?? 0) > 0 ? field.length : nil,
            requiredOnCreate: createable && !(field.nillable ?? true) && !(field.defaultedOnCreate ?? false),
            createable: createable, updateable: field.updateable ?? false, calculated: field.calculated ?? false,
            custom: field.custom ?? false,
            picklistValues: isPicklist ? field.picklistValues?.filter { $0.active ?? true }.map(\.value) : nil,
            restrictedPicklist: field.restrictedPicklist ?? false)
    }
}
