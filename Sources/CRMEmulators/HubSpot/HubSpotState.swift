import Foundation
import HTTPTypes
import Hummingbird

/// A stored HubSpot object (contact or note).
struct HubSpotRecord: Sendable {
    let id: String
    var properties: [String: String]
    let createdAt: Date
    var updatedAt: Date
    /// Contact: associated note ids. Note: associated contact ids.
    var associations: [String] = []
}

/// Who called, once authenticated.
struct HubSpotCaller: Sendable {
    let token: String
    let appId: Int
}

/// The whole state of one emulated HubSpot portal.
actor HubSpotState: EmulatedCRM {
    let configuration: HubSpotEmulator.Configuration
    var faults: EmulatorFaults
    var requests = RequestLog()
    var tokens = TokenBook(accessLifetime: 1800, tokenPrefix: "hs-emu-")
    var contacts: [String: HubSpotRecord] = [:]
    /// Lowercased primary email → contact id.
    var primaryEmails: [String: String] = [:]
    /// Lowercased additional email → contact id.
    var additionalEmails: [String: String] = [:]
    var notes: [String: HubSpotRecord] = [:]
    /// Call engagements, by id.
    var calls: [String: HubSpotRecord] = [:]
    var customProperties: [HubSpotProperty] = []
    private var burstWindows: [String: RollingWindow] = [:]
    private var searchWindows: [String: RollingWindow] = [:]
    private var nextId = 100_001

    init(configuration: HubSpotEmulator.Configuration) {
        self.configuration = configuration
        self.faults = configuration.faults
    }

    func reset() {
        requests = RequestLog()
        contacts = [:]
        primaryEmails = [:]
        additionalEmails = [:]
        notes = [:]
        calls = [:]
        customProperties = []
        burstWindows = [:]
        searchWindows = [:]
        nextId = 100_001
    }

    func expireToken(_ token: String) { tokens.expire(token, now: Date()) }
    func revokeToken(_ token: String) { tokens.revoke(token) }

    nonisolated func injectedThrottle() -> Response {
        Reply(
            .tooManyRequests,
            HubSpotError.rateLimited(policy: "TEN_SECONDLY_ROLLING", message: "You have reached your ten_secondly_rolling limit.")
        ).response(headers: [HTTPField.Name("X-HubSpot-RateLimit-Remaining")!: "0"])
    }

    nonisolated func injectedServerError() -> Response {
        Reply(.serviceUnavailable, HubSpotError.body("INTERNAL_ERROR", "Service temporarily unavailable")).response()
    }

    func newId() -> String {
        defer { nextId += 1 }
        return String(nextId)
    }

    /// The app id a token acts for: stable per `test-…` token, per OAuth client otherwise.
    nonisolated func appId(for subject: TokenBook.Subject) -> Int {
        1_000_000 + Int(stableNumber(subject.key, modulo: 8_999_999))
    }

    // MARK: Authentication and rate limits

    enum Gate: Sendable {
        case allowed(HubSpotCaller, HTTPFields)
        case denied(Reply, HTTPFields)
    }

    /// Authenticates `token` and charges the request to its rate limit (search has its own bucket,
    /// whose responses carry no rate-limit headers).
    func admit(token: String?, search: Bool, now: Date? = nil) -> Gate {
        let now = now ?? configuration.now()
        var headers: HTTPFields = [HTTPField.Name("X-HubSpot-Correlation-Id")!: UUID().uuidString.lowercased()]
        guard let token else {
            return .denied(
                Reply(
                    .unauthorized,
                    HubSpotError.body(
                        "INVALID_AUTHENTICATION",
                        "Authentication credentials not found. This API supports OAuth 2.0 authentication and you can find more details at https://developers.hubspot.com/docs/methods/auth/oauth-overview")),
                headers)
        }
        let subject: TokenBook.Subject
        switch tokens.check(token, now: now) {
        case .invalid:
            return .denied(
                Reply(.unauthorized, HubSpotError.body("INVALID_AUTHENTICATION", "The OAuth token used to make this call is invalid.")),
                headers)
        case .expired(let secondsAgo):
            return .denied(
                Reply(
                    .unauthorized,
                    HubSpotError.body("EXPIRED_AUTHENTICATION", "The OAuth token used to make this call expired \(secondsAgo) second(s) ago.")),
                headers)
        case .valid(let found):
            subject = found
        }
        if search {
            var window = searchWindows[token] ?? RollingWindow(limit: configuration.searchPerSecond, window: 1)
            let admitted = window.admit(at: now)
            searchWindows[token] = window
            guard admitted else {
                return .denied(
                    Reply(.tooManyRequests, HubSpotError.rateLimited(policy: "SECONDLY", message: "You have reached your secondly limit.")),
                    headers)
            }
        } else {
            var window = burstWindows[token] ?? RollingWindow(limit: configuration.burstLimit, window: configuration.burstWindowSeconds)
            let admitted = window.admit(at: now)
            let remaining = window.remaining(at: now)
            burstWindows[token] = window
            headers[HTTPField.Name("X-HubSpot-RateLimit-Max")!] = String(configuration.burstLimit)
            headers[HTTPField.Name("X-HubSpot-RateLimit-Remaining")!] = String(remaining)
            headers[HTTPField.Name("X-HubSpot-RateLimit-Interval-Milliseconds")!] = String(Int(configuration.burstWindowSeconds * 1000))
            guard admitted else {
                return .denied(
                    Reply(
                        .tooManyRequests,
                        HubSpotError.rateLimited(policy: "TEN_SECONDLY_ROLLING", message: "You have reached your ten_secondly_rolling limit.")),
                    headers)
            }
        }
        return .allowed(HubSpotCaller(token: token, appId: appId(for: subject)), headers)
    }

    // MARK: Properties

    var contactProperties: [HubSpotProperty] { HubSpotProperty.contactDefaults + customProperties }

    func property(named name: String) -> HubSpotProperty? {
        contactProperties.first { $0.name == name }
    }

    func listProperties() -> Reply {
        Reply(.ok, ["results": .array(contactProperties.map(\.json))])
    }

    func readProperty(_ name: String) -> Reply {
        guard let property = property(named: name) else { return HubSpotError.notFound() }
        return Reply(.ok, property.json)
    }

    func createProperty(_ body: JSON?) -> Reply {
        guard let body, let name = body["name"]?.string, let label = body["label"]?.string,
            let type = body["type"]?.string, let fieldType = body["fieldType"]?.string,
            let groupName = body["groupName"]?.string
        else {
            return HubSpotError.validation("name, label, type, fieldType and groupName are required.")
        }
        let types: Set = ["bool", "date", "datetime", "enumeration", "number", "phone_number", "string"]
        let fieldTypes: Set = [
            "booleancheckbox", "calculation_equation", "checkbox", "date", "file", "html", "number", "phonenumber", "radio",
            "select", "text", "textarea",
        ]
        guard types.contains(type), fieldTypes.contains(fieldType) else {
            return HubSpotError.validation("Invalid type '\(type)' or fieldType '\(fieldType)'.")
        }
        guard property(named: name) == nil else {
            return Reply(.conflict, HubSpotError.body("OBJECT_ALREADY_EXISTS", "A property named '\(name)' already exists."))
        }
        let options = body["options"]?.array?.compactMap { $0["value"]?.string } ?? []
        let property = HubSpotProperty(
            name: name, label: label, type: type, fieldType: fieldType, groupName: groupName,
            description: body["description"]?.string ?? "", options: options, hubspotDefined: false,
            hasUniqueValue: body["hasUniqueValue"]?.bool ?? false, createdAt: Date())
        customProperties.append(property)
        return Reply(.created, property.json)
    }

    func accountDetails() -> Reply {
        Reply(.ok, [
            "portalId": .int(configuration.portalId), "accountType": "STANDARD", "timeZone": "US/Eastern",
            "companyCurrency": "USD", "additionalCurrencies": [], "utcOffset": "-05:00", "utcOffsetMilliseconds": -18_000_000,
            "uiDomain": "app.hubspot.com", "dataHostingLocation": "na1",
        ])
    }
}
