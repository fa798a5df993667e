import NIOHTTP1
import Testing

@testable import ContactSyncCRM

@Suite("Which CRM requests are writes (the lease fence checks only those)")
struct CRMRequestTests {
    static func request(_ method: HTTPMethod, _ route: String) -> CRMRequest {
        CRMRequest(method: method, url: "http://crm.test", route: route)
    }

    @Test("record changes are writes", arguments: [
        (HTTPMethod.POST, "POST /crm/v3/objects/contacts/batch/create"), (.POST, "POST /crm/v3/objects/notes/batch/update"),
        (.POST, "POST /composite/sobjects"), (.PATCH, "PATCH /composite/sobjects"), (.PUT, "PUT /crm/v4/associations"), (.POST, "POST /o"),
    ])
    func writes(method: HTTPMethod, route: String) {
        #expect(Self.request(method, route).isWrite)
    }

    @Test("reads, searches, queries and token calls are not", arguments: [
        (HTTPMethod.GET, "GET /crm/v3/objects/contacts/{id}"), (.POST, "POST /crm/v3/objects/contacts/search"),
        (.POST, "POST /crm/v3/objects/contacts/batch/read"), (.POST, "POST /oauth/v3/token"), (.POST, "POST /services/oauth2/revoke"),
        (.DELETE, "DELETE /oauth/v1/refresh-tokens/{token}"), (.POST, "POST /services/data/v60.0/query"), (.PATCH, "PATCH /a/oauth"),
    ])
    func notWrites(method: HTTPMethod, route: String) {
        #expect(!Self.request(method, route).isWrite)
    }
}
