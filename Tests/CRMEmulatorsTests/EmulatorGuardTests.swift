import CRMEmulators
import Foundation
import HTTPTypes
import Testing

/// The emulators are for trying and testing: the ones `serve` starts send OAuth codes only to its own
/// callbacks, and their admin routes cannot be reached by another site's page.
@Suite("Emulators: redirect allow-list and admin routes guarded")
struct EmulatorGuardTests {
    static let callback = "http://127.0.0.1:8080/oauth/hubspot/callback"

    @Test("emulatorRedirectOnlyToTheAccountFlow: authorization redirects to the configured callback and nowhere else (HubSpot)")
    func hubspotRedirect() async throws {
        try await withHubSpot({ $0.redirectURIs = [Self.callback] }) { hs in
            let allowed = try await hs.get("/oauth/authorize?client_id=app&redirect_uri=\(Self.callback.queryEscaped)&state=s", token: .some(nil))
            #expect(allowed.status == .found)
            #expect(allowed.header("Location")?.hasPrefix(Self.callback + "?") == true)
            let elsewhere = try await hs.get("/oauth/authorize?client_id=app&redirect_uri=\("https://evil.example/steal".queryEscaped)&state=s", token: .some(nil))
            #expect(elsewhere.status == .badRequest)
            #expect(elsewhere.header("Location") == nil)
        }
    }

    @Test("emulatorRedirectOnlyToTheAccountFlow: authorization redirects to the configured callback and nowhere else (Salesforce)")
    func salesforceRedirect() async throws {
        let callback = "http://127.0.0.1:8080/oauth/salesforce/callback"
        try await withSalesforce({ $0.redirectURIs = [callback] }) { sf in
            let allowed = try await sf.get("/services/oauth2/authorize?response_type=code&client_id=c&redirect_uri=\(callback.queryEscaped)&state=s", token: .some(nil))
            #expect(allowed.status == .found)
            let elsewhere = try await sf.get("/services/oauth2/authorize?response_type=code&client_id=c&redirect_uri=\("http://evil.example/".queryEscaped)&state=s", token: .some(nil))
            #expect(elsewhere.status == .badRequest)
            #expect(elsewhere.header("Location") == nil)
        }
    }

    @Test("emulatorAdminRefusesCrossSitePosts: admin POSTs need application/json and refuse another site's Origin, for both emulators")
    func adminRoutesGuarded() async throws {
        for useHubSpot in [true, false] {
            let body: @Sendable (EmulatorClient) async throws -> Void = { crm in
                let form = try await crm.send(.post, "/_emulator/faults", form: ["rate5xx": "1"])
                #expect(form.status == .unsupportedMediaType)
                var plain: HTTPFields = [:]
                plain[.contentType] = "text/plain"
                let text = try await crm.send(.post, "/_emulator/reset", headers: plain)
                #expect(text.status == .unsupportedMediaType)
                var crossSite: HTTPFields = [:]
                crossSite[.origin] = "https://evil.example"
                let foreign = try await crm.send(.post, "/_emulator/faults", json: ["rate5xx": 1], headers: crossSite)
                #expect(foreign.status == .forbidden)
                #expect(try await crm.get("/_emulator/faults").json?["rate5xx"]?.int ?? 0 == 0)
                var sameSite: HTTPFields = [:]
                sameSite[.origin] = "http://localhost"
                #expect(try await crm.send(.post, "/_emulator/faults", json: [:], headers: sameSite).status == .ok)
                #expect(try await crm.send(.post, "/_emulator/reset").status == .ok)
            }
            if useHubSpot { try await withHubSpot({ _ in }, body) } else { try await withSalesforce({ _ in }, body) }
        }
    }
}
