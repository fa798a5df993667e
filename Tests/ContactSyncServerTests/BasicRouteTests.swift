import ContactSyncServer
import Foundation
import Hummingbird
import Testing

@Suite("Routes: health, OpenAPI, API keys, malformed input")
struct BasicRouteTests {
    @Test("health and the OpenAPI document need no key")
    func openRoutes() async throws {
        try await withServer { api in
            let health = try await api.call(.get, "/health", key: nil)
            #expect(health.status == .ok)
            #expect(health.string("status") == "ok")
            #expect(health.string("version") == contactSyncVersion)
            let document = try await api.call(.get, "/openapi.yaml", key: nil)
            #expect(document.status == .ok)
            #expect(document.body.hasPrefix("openapi: 3.1.0"))
            for path in ["/v1/accounts/{id}/fields:", "/v1/actions/{id}/runs:", "/v1/conversations/{id}/end:", "/v1/runs/{id}/retry:"] {
                #expect(document.body.contains(path), "\(path) is not documented")
            }
            #expect(document.headers[.contentType] == "application/yaml")
        }
    }

    @Test("every /v1 route needs a valid API key", arguments: ["/v1/templates", "/v1/accounts", "/v1/fields", "/v1/actions", "/v1/agents"])
    func unauthorized(path: String) async throws {
        try await withServer { api in
            for key: String? in [nil, "wrong-key", ""] {
                let answer = try await api.call(.get, path, key: key)
                #expect(answer.status == .unauthorized)
                #expect(answer.errorCode == "unauthorized")
            }
            #expect(try await api.call(.get, path).status == .ok)
        }
    }

    @Test("templates list the action library")
    func templates() async throws {
        try await withServer { api in
            let items = try await api.call(.get, "/v1/templates").items
            #expect(items.map { $0["id"] as? String } == ["hubspot.upsert_contact", "salesforce.upsert_contact"])
            #expect(items[1]["requiredMappings"] as? [String] == ["Email", "LastName"])
            #expect(items[1]["name"] as? String == "Salesforce - create or update contact")
        }
    }

    @Test("malformed JSON and wrong types are 400 invalid_request; unknown routes 404 not_found")
    func malformed() async throws {
        try await withServer { api in
            for body in ["{", "[]", #"{"crm":42}"#, #"{"crm":"pipedrive"}"#, ""] {
                let answer = try await api.call(.post, "/v1/accounts", json: body)
                #expect(answer.status == .badRequest, "\(body)")
                #expect(answer.errorCode == "invalid_request")
            }
            let missing = try await api.call(.get, "/v1/nothing-here")
            #expect(missing.status == .notFound)
            #expect(missing.errorCode == "not_found")
            #expect(try await api.call(.get, "/v1/accounts?limit=0").errorCode == "invalid_request")
            #expect(try await api.call(.get, "/v1/accounts?limit=abc").errorCode == "invalid_request")
            #expect(try await api.call(.get, "/v1/accounts?cursor=zzz").errorCode == "invalid_request")
        }
    }

    @Test("a body over 1 MiB is 413 payload_too_large")
    func payloadTooLarge() async throws {
        try await withServer { api in
            let big = #"{"key":"k","label":""# + String(repeating: "x", count: (1 << 20) + 10) + #""}"#
            let answer = try await api.call(.post, "/v1/fields", json: big)
            #expect(answer.status == .contentTooLarge)
            #expect(answer.errorCode == "payload_too_large")
        }
    }
}
