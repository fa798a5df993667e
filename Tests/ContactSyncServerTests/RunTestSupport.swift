import ContactSyncCore
import Foundation
import Hummingbird
import HTTPTypes
import NIOHTTP1

/// One CRM's names for the same scenario, as the end-to-end tests use them.
struct Scenario: Sendable, CustomStringConvertible {
    let crm: CRM
    let template: String
    let email: String
    let firstName: String
    let lastName: String
    let summaryField: String

    var description: String { crm.rawValue }

    static let hubspot = Scenario(crm: .hubspot, template: "hubspot.upsert_contact", email: "email", firstName: "firstname", lastName: "lastname", summaryField: "ai_conversation_summary")
    static let salesforce = Scenario(crm: .salesforce, template: "salesforce.upsert_contact", email: "Email", firstName: "FirstName", lastName: "LastName", summaryField: "Conversation_Summary__c")
    static let both = [hubspot, salesforce]

    var mappings: String {
        #"[{"crmField":"\#(email)","agentField":"email"},{"crmField":"\#(firstName)","agentField":"first_name"},{"crmField":"\#(lastName)","agentField":"last_name"},{"crmField":"\#(summaryField)","agentField":"summary"}]"#
    }
}

extension ServerHarness {
    func baseURL(_ crm: CRM) -> String { crm == .hubspot ? hubspotURL : salesforceURL }

    /// Connects the CRM's emulator, creates an action with the given toggles and an agent with it; returns
    /// the action id.
    func action(
        _ scenario: Scenario, allowCreate: Bool, allowUpdateExisting: Bool, mappings: String? = nil, account: String? = nil, name: String = "Save contact",
        offlineSync: Bool = false
    ) async throws -> String {
        var accountId = account ?? ""
        if account == nil { accountId = try await emulatorAccount(scenario.crm) }
        let body = #"{"template":"\#(scenario.template)","name":"\#(name)","intent":"Use when the customer shares contact details","accountId":"\#(accountId)","allowCreate":\#(allowCreate),"allowUpdateExisting":\#(allowUpdateExisting),"offlineSync":\#(offlineSync),"mappings":\#(mappings ?? scenario.mappings)}"#
        let answer = try await call(.post, "/v1/actions", json: body)
        guard answer.status == .created, let id = answer.string("id") else { throw HarnessError.unexpected(answer.body) }
        return id
    }

    func accountId(ofAction action: String) async throws -> String {
        try await call(.get, "/v1/actions/\(action)").string("accountId")!
    }

    /// A conversation of a new agent with these actions, with attributes and summary set.
    func conversation(actions: [String], attributes: [String: String] = [:], summary: String? = nil, channel: String = "text") async throws -> String {
        let ids = actions.map { "\"\($0)\"" }.joined(separator: ",")
        let agent = try await call(.post, "/v1/agents", json: #"{"name":"Agent","channel":"\#(channel)","actionIds":[\#(ids)]}"#).string("id")!
        let conversation = try await call(.post, "/v1/conversations", json: #"{"agentId":"\#(agent)"}"#).string("id")!
        if !attributes.isEmpty {
            let body = String(decoding: try JSONSerialization.data(withJSONObject: attributes), as: UTF8.self)
            try await call(.patch, "/v1/conversations/\(conversation)/attributes", json: body)
        }
        if let summary {
            let body = String(decoding: try JSONSerialization.data(withJSONObject: ["text": summary]), as: UTF8.self)
            try await call(.put, "/v1/conversations/\(conversation)/summary", json: body)
        }
        return conversation
    }

    /// Runs an action in a conversation.
    func run(_ action: String, conversation: String? = nil, fields: [String: String] = [:], summary: String? = nil, dryRun: Bool = false, idempotencyKey: String? = nil) async throws -> APIAnswer {
        var body: [String: Any] = ["fields": fields, "dryRun": dryRun]
        if let conversation { body["conversationId"] = conversation }
        if let summary { body["summary"] = summary }
        var headers: HTTPFields = [:]
        if let idempotencyKey { headers[HTTPField.Name("Idempotency-Key")!] = idempotencyKey }
        return try await call(.post, "/v1/actions/\(action)/runs", json: String(decoding: try JSONSerialization.data(withJSONObject: body), as: UTF8.self), headers: headers)
    }

    /// Creates a contact directly in the emulator with another integration's token (so it is not ours).
    func foreignContact(_ scenario: Scenario, email: String, firstName: String = "Original") async throws -> String {
        let (status, body) = scenario.crm == .hubspot
            ? try await emulatorCall(.hubspot, .POST, "/crm/v3/objects/contacts", json: #"{"properties":{"email":"\#(email)","firstname":"\#(firstName)"}}"#, token: "test-someone-else")
            : try await emulatorCall(.salesforce, .POST, "/services/data/v62.0/sobjects/Contact", json: #"{"Email":"\#(email)","FirstName":"\#(firstName)","LastName":"Foreign"}"#, token: "test-someone-else")
        guard status == 201, let id = (try JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any])?["id"] as? String else {
            throw HarnessError.unexpected(body)
        }
        return id
    }

    /// A contact's fields as the emulator holds them.
    func record(_ crm: CRM, _ id: String) async throws -> [String: Any] {
        let path = crm == .hubspot
            ? "/crm/v3/objects/contacts/\(id)?properties=email,firstname,lastname,company,ai_conversation_summary&associations=notes"
            : "/services/data/v62.0/sobjects/Contact/\(id)"
        let (_, body) = try await emulatorCall(crm, .GET, path, token: "test-audit")
        let json = try JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any] ?? [:]
        return crm == .hubspot ? (json["properties"] as? [String: Any] ?? [:]).merging(["associations": json["associations"] ?? NSNull()]) { a, _ in a } : json
    }

    /// How many contacts the emulator holds.
    func contactCount(_ crm: CRM) async throws -> Int {
        if crm == .hubspot {
            let (_, body) = try await emulatorCall(.hubspot, .GET, "/crm/v3/objects/contacts?limit=100", token: "test-audit")
            return ((try JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any])?["results"] as? [Any])?.count ?? -1
        }
        let (_, body) = try await emulatorCall(.salesforce, .GET, "/services/data/v62.0/query?q=SELECT+COUNT()+FROM+Contact", token: "test-audit")
        return (try JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any])?["totalSize"] as? Int ?? -1
    }

    /// Write requests the emulator has received.
    func writeCount(_ crm: CRM) async throws -> Int {
        let (_, body) = try await emulatorCall(crm, .GET, "/_emulator/requests")
        let routes = (try JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any])?["byRoute"] as? [String: Int] ?? [:]
        return routes.filter { $0.key.hasPrefix("POST") || $0.key.hasPrefix("PATCH") }.filter { !$0.key.contains("batch/read") }.values.reduce(0, +)
    }

    func emulatorCall(_ crm: CRM, _ method: NIOHTTP1.HTTPMethod, _ path: String, json: String? = nil, token: String? = nil) async throws -> (Int, String) {
        var request = HTTPClientRequestBuilder(url: baseURL(crm) + path, method: method, json: json, token: token)
        return try await request.send()
    }
}
