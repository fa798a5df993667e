import Foundation
import HTTPTypes
import Hummingbird

/// A stored Contact.
struct SalesforceRecord: Sendable {
    let id: String
    var fields: [String: JSON]
    let serial: UInt64
    var deleted = false
}

/// One entry of a Salesforce error array.
struct SalesforceProblem: Sendable, Error {
    let code: String
    let message: String
    var fields: [String] = []
    var duplicateResult: JSON?

    /// The REST form, `{"message","errorCode","fields"}`.
    var restJSON: JSON {
        var object: [String: JSON] = ["message": .string(message), "errorCode": .string(code), "fields": .array(fields.map(JSON.string))]
        if let duplicateResult { object["duplicateResut"] = duplicateResult }
        return .object(object)
    }

    /// The sObject Collections form, `{"statusCode","message","fields"}`.
    var collectionJSON: JSON {
        var object: [String: JSON] = ["statusCode": .string(code), "message": .string(message), "fields": .array(fields.map(JSON.string))]
        if let duplicateResult { object["duplicateResut"] = duplicateResult }
        return .object(object)
    }

    static func reply(_ status: HTTPResponse.Status, _ problems: [SalesforceProblem]) -> Reply {
        Reply(status, .array(problems.map(\.restJSON)))
    }
}

/// The caller, once authenticated.
struct SalesforceCaller: Sendable {
    let userId: String
}

/// The whole state of one emulated Salesforce org.
actor SalesforceState: EmulatedCRM {
    var configuration: SalesforceEmulator.Configuration
    var faults: EmulatorFaults
    var requests = RequestLog()
    var tokens: TokenBook
    var records: [String: SalesforceRecord] = [:]
    /// Tasks (calls logged on contacts), by id.
    var tasks: [String: SalesforceRecord] = [:]
    /// Lowercased email → ids of contacts that have (or had) it, for fast email lookups.
    var emailIndex: [String: Set<String>] = [:]
    var apiUsage = 0
    private var serial: UInt64 = 1
    let orgId: String
    let schema: [String: SalesforceField]

    init(configuration: SalesforceEmulator.Configuration) {
        self.configuration = configuration
        self.faults = configuration.faults
        self.orgId = SalesforceIds.make(prefix: "00D", serial: configuration.orgSerial)
        self.tokens = TokenBook(accessLifetime: nil, tokenPrefix: String(orgId.prefix(15)) + "!")
        self.schema = Dictionary(uniqueKeysWithValues: SalesforceField.contact.map { ($0.name.lowercased(), $0) })
    }

    func reset() {
        requests = RequestLog()
        records = [:]
        tasks = [:]
        emailIndex = [:]
        apiUsage = 0
        serial = 1
    }

    func expireToken(_ token: String) { tokens.expire(token, now: Date()) }
    func revokeToken(_ token: String) { tokens.revoke(token) }

    func setDuplicateRule(_ rule: SalesforceEmulator.DuplicateRule) { configuration.duplicateRule = rule }
    func setDailyLimit(_ limit: Int) { configuration.dailyApiLimit = limit }

    nonisolated func injectedThrottle() -> Response {
        SalesforceProblem.reply(
            .tooManyRequests, [SalesforceProblem(code: "REQUEST_LIMIT_EXCEEDED", message: "ConcurrentPerOrgLongTxn Limit exceeded.")]
        ).response(headers: [.retryAfter: "1"])
    }

    nonisolated func injectedServerError() -> Response {
        SalesforceProblem.reply(
            .serviceUnavailable, [SalesforceProblem(code: "SERVER_UNAVAILABLE", message: "Server temporarily unavailable; please retry.")]
        ).response()
    }

    /// The user id a token acts as: stable per `test-…` token, per OAuth client otherwise.
    nonisolated func userId(for subject: TokenBook.Subject) -> String {
        SalesforceIds.make(prefix: "005", serial: stableNumber(subject.key, modulo: 13_537_086_546_263_552))
    }

    func nextContactId() -> (String, UInt64) { nextId(prefix: "003") }

    /// A new id of the sObject type whose key prefix is `prefix`, and its serial.
    func nextId(prefix: String) -> (String, UInt64) {
        defer { serial += 1 }
        return (SalesforceIds.make(prefix: prefix, serial: serial), serial)
    }

    // MARK: Authentication and limits

    enum Gate: Sendable {
        case allowed(SalesforceCaller, HTTPFields)
        case denied(Reply, HTTPFields)
    }

    /// Authenticates `token` and charges the call to the org's daily API limit.
    func admit(token: String?, now: Date = Date()) -> Gate {
        let invalid = SalesforceProblem.reply(.unauthorized, [SalesforceProblem(code: "INVALID_SESSION_ID", message: "Session expired or invalid")])
        guard let token, case .valid(let subject) = tokens.check(token, now: now) else { return .denied(invalid, [:]) }
        apiUsage += 1
        let headers: HTTPFields = [HTTPField.Name("Sforce-Limit-Info")!: "api-usage=\(apiUsage)/\(configuration.dailyApiLimit)"]
        if apiUsage > configuration.dailyApiLimit {
            return .denied(
                SalesforceProblem.reply(.forbidden, [SalesforceProblem(code: "REQUEST_LIMIT_EXCEEDED", message: "TotalRequests Limit exceeded.")]),
                headers)
        }
        return .allowed(SalesforceCaller(userId: userId(for: subject)), headers)
    }

    func limits() -> Reply {
        Reply(.ok, [
            "DailyApiRequests": ["Max": .int(configuration.dailyApiLimit), "Remaining": .int(max(0, configuration.dailyApiLimit - apiUsage))]
        ])
    }

    // MARK: Schema

    /// `GET /sobjects/{object}/describe` for Contact or Task.
    func describe(_ object: SObject = .contact, version: String) -> Reply {
        let name = object.rawValue
        return Reply(.ok, [
            "name": .string(name), "label": .string(name), "labelPlural": .string(name + "s"), "keyPrefix": .string(object.keyPrefix), "custom": false,
            "createable": true, "updateable": true, "deletable": true, "queryable": true, "searchable": true,
            "fields": .array(object.fields.map(\.json)), "childRelationships": [], "recordTypeInfos": [],
            "urls": [
                "sobject": .string("/services/data/\(version)/sobjects/\(name)"),
                "describe": .string("/services/data/\(version)/sobjects/\(name)/describe"),
                "rowTemplate": .string("/services/data/\(version)/sobjects/\(name)/{ID}"),
            ],
        ])
    }

    /// `GET /services/data/`: the API versions (no authentication, not counted).
    nonisolated func versions() -> Reply {
        Reply(.ok, .array(SalesforceEmulator.supportedVersions.map { version in
            ["label": .string(SalesforceEmulator.releaseName(version)), "url": .string("/services/data/v\(version).0"), "version": .string("\(version).0")]
        }))
    }
}
