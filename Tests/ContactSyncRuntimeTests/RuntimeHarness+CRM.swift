import AsyncHTTPClient
import ContactSyncCore
import ContactSyncRuntime
import ContactSyncStore
import Foundation
import NIOHTTP1

/// What the tests read and set at the emulators.
extension Runtime {
    /// Sets the emulator's faults (ARCHITECTURE §10).
    func faults(_ crm: CRM, _ json: String) async throws {
        let (status, _) = try await emulator(crm, .POST, "/_emulator/faults", json: json)
        guard status == 200 else { throw RuntimeTestError.unexpected("faults \(json) answered \(status)") }
    }

    /// A second instance's connectors on the same store (its own caches, the same database).
    func secondConnectors() throws -> Connectors {
        Connectors(
            repositories: Repositories(store), secrets: try SecretBox(key: Data(repeating: 1, count: 32)), client: .shared, logger: Runtime.quiet,
            emulatorURLs: [.hubspot: hubspot.baseURL, .salesforce: salesforce.baseURL],
            retry: RetryPolicy(maxAttempts: 3, backoff: Backoff(base: .milliseconds(1), max: .milliseconds(5))))
    }

    /// Creates a contact directly in the emulator with `token`; returns its id.
    func contact(_ crm: CRM, email: String, firstName: String, token: String) async throws -> String {
        let (status, body) = crm == .hubspot
            ? try await emulator(.hubspot, .POST, "/crm/v3/objects/contacts", json: #"{"properties":{"email":"\#(email)","firstname":"\#(firstName)"}}"#, token: token)
            : try await emulator(.salesforce, .POST, "/services/data/v62.0/sobjects/Contact", json: #"{"Email":"\#(email)","FirstName":"\#(firstName)","LastName":"Hand"}"#, token: token)
        guard status == 201, let id = body["id"] as? String else { throw RuntimeTestError.unexpected("create answered \(status)") }
        return id
    }

    /// One field of a contact as the emulator holds it.
    func contactField(_ crm: CRM, id: String, field: String) async throws -> String? {
        if crm == .hubspot {
            let (_, body) = try await emulator(.hubspot, .GET, "/crm/v3/objects/contacts/\(id)?properties=\(field)", token: "test-audit")
            return (body["properties"] as? [String: Any])?[field] as? String
        }
        return try await emulator(.salesforce, .GET, "/services/data/v62.0/sobjects/Contact/\(id)", token: "test-audit").1[field] as? String
    }

    /// The ids of the contacts holding this email.
    func contacts(_ crm: CRM, email: String) async throws -> [String] {
        if crm == .hubspot {
            let (_, body) = try await emulator(.hubspot, .GET, "/crm/v3/objects/contacts?limit=100&properties=email", token: "test-audit")
            return (body["results"] as? [[String: Any]] ?? []).filter { ($0["properties"] as? [String: Any])?["email"] as? String == email }.compactMap { $0["id"] as? String }
        }
        let soql = "SELECT Id FROM Contact WHERE Email = '\(email)'".addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? ""
        let (_, body) = try await emulator(.salesforce, .GET, "/services/data/v62.0/query?q=\(soql)", token: "test-audit")
        return (body["records"] as? [[String: Any]] ?? []).compactMap { $0["Id"] as? String }
    }

    /// How many notes a HubSpot contact has.
    func noteCount(contact id: String) async throws -> Int {
        let (_, body) = try await emulator(.hubspot, .GET, "/crm/v3/objects/contacts/\(id)?associations=notes", token: "test-audit")
        return (((body["associations"] as? [String: Any])?["notes"] as? [String: Any])?["results"] as? [Any])?.count ?? 0
    }

    /// The contact a HubSpot note is associated with.
    func noteContact(_ noteId: String) async throws -> String? {
        let (_, body) = try await emulator(.hubspot, .GET, "/crm/v3/objects/notes/\(noteId)?associations=contacts", token: "test-audit")
        return ((((body["associations"] as? [String: Any])?["contacts"] as? [String: Any])?["results"] as? [[String: Any]])?.first)?["id"] as? String
    }

    /// A HubSpot note's text.
    func noteBody(_ noteId: String) async throws -> String? {
        let (_, body) = try await emulator(.hubspot, .GET, "/crm/v3/objects/notes/\(noteId)?properties=hs_note_body", token: "test-audit")
        return (body["properties"] as? [String: Any])?["hs_note_body"] as? String
    }

    /// Changes a contact's field by hand, as a person in the CRM would.
    func editByHand(_ crm: CRM, id: String, field: String, value: String) async throws {
        let (status, _) = crm == .hubspot
            ? try await emulator(.hubspot, .PATCH, "/crm/v3/objects/contacts/\(id)", json: #"{"properties":{"\#(field)":"\#(value)"}}"#)
            : try await emulator(.salesforce, .PATCH, "/services/data/v62.0/sobjects/Contact/\(id)", json: #"{"\#(field)":"\#(value)"}"#)
        guard status == 200 || status == 204 else { throw RuntimeTestError.unexpected("edit answered \(status)") }
    }

    /// Requests the emulator has counted.
    func requestCount(_ crm: CRM) async throws -> Int {
        try await emulator(crm, .GET, "/_emulator/requests").1["total"] as? Int ?? 0
    }

    /// Write requests the emulator has counted (reads, batch reads and searches left out).
    func writeCount(_ crm: CRM) async throws -> Int {
        let routes = try await emulator(crm, .GET, "/_emulator/requests").1["byRoute"] as? [String: Int] ?? [:]
        return routes.filter { ($0.key.hasPrefix("POST") || $0.key.hasPrefix("PATCH")) && !$0.key.contains("batch/read") && !$0.key.contains("search") && !$0.key.contains("oauth") }
            .values.reduce(0, +)
    }
}

enum RuntimeTestError: Error {
    case unexpected(String)
}
