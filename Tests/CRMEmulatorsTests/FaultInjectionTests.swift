import CRMEmulators
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Hummingbird
import HummingbirdTesting
import Logging
import Synchronization
import Testing

@Suite("Emulators: faults, request counts, reset")
struct FaultInjectionTests {
    @Test("an injected 429 uses each CRM's throttling body")
    func injected429() async throws {
        try await withHubSpot { hs in
            _ = try await hs.send(.post, "/_emulator/faults", json: ["rate429": 1])
            let answer = try await hs.get("/crm/v3/objects/contacts")
            #expect(answer.status == .tooManyRequests)
            #expect(answer.json?["policyName"]?.string == "TEN_SECONDLY_ROLLING")
        }
        try await withSalesforce { sf in
            _ = try await sf.send(.post, "/_emulator/faults", json: ["rate429": 1])
            let answer = try await sf.get("/services/data/v62.0/sobjects/Contact/describe")
            #expect(answer.status == .tooManyRequests)
            #expect(answer.header("Retry-After") == "1")
        }
    }

    @Test("an injected 5xx, and faults switch off again")
    func injected5xx() async throws {
        try await withSalesforce { sf in
            _ = try await sf.send(.post, "/_emulator/faults", json: ["rate5xx": 1])
            let answer = try await sf.get("/services/data/v62.0/sobjects/Contact/describe")
            #expect(answer.status == .serviceUnavailable)
            #expect(answer.json?.array?.first?["errorCode"]?.string == "SERVER_UNAVAILABLE")
            _ = try await sf.send(.post, "/_emulator/faults", json: [:])
            #expect(try await sf.get("/services/data/v62.0/sobjects/Contact/describe").status == .ok)
        }
    }

    @Test("latency is added to CRM requests, not to admin routes")
    func latency() async throws {
        try await withHubSpot { hs in
            _ = try await hs.send(.post, "/_emulator/faults", json: ["latencyMs": 1500])
            let clock = ContinuousClock()
            let crm = try await clock.measure { _ = try await hs.get("/crm/v3/objects/contacts") }
            #expect(crm >= .milliseconds(1500))
            // Were a 30 s latency added to admin routes, this read would take 30 s; a loaded machine may still
            // stall it a few seconds, which says nothing about the emulator.
            _ = try await hs.send(.post, "/_emulator/faults", json: ["latencyMs": 30_000])
            let admin = try await clock.measure { _ = try await hs.get("/_emulator/requests") }
            #expect(admin < .seconds(15))
        }
    }

    @Test("route latency holds the named route only, counted on arrival")
    func routeLatency() async throws {
        try await withHubSpot { hs in
            let set = try await hs.send(.post, "/_emulator/faults", json: ["routeLatencyMs": ["POST /crm/v3/objects/contacts": 20_000]])
            #expect(set.json?["routeLatencyMs"]?["POST /crm/v3/objects/contacts"]?.int == 20_000)
            let clock = ContinuousClock()
            // Held, the read would take 20 s; a loaded machine may still stall it a few seconds, which says nothing
            // about the emulator.
            let read = try await clock.measure { _ = try await hs.get("/crm/v3/objects/contacts") }
            #expect(read < .seconds(15))
            let write = try await clock.measure {
                _ = try await hs.send(.post, "/crm/v3/objects/contacts", json: ["properties": ["email": "held@example.com"]])
            }
            #expect(write >= .seconds(20))
            let refused = try await hs.send(.post, "/_emulator/faults", json: ["routeLatencyMs": ["GET /x": -1]])
            #expect(refused.status == .badRequest)
        }
    }

    @Test("a held route waits, counted, until the faults no longer name it; other routes and admin routes answer meanwhile", arguments: ["POST /crm/v3/objects/contacts", "*"])
    func heldRoute(hold: String) async throws {
        try await withHubSpot { hs in
            let set = try await hs.send(.post, "/_emulator/faults", json: ["holdRoutes": [.string(hold)]])
            #expect(set.json?["holdRoutes"]?.array?.compactMap(\.string) == [hold])
            if hold != "*" { #expect(try await hs.get("/crm/v3/objects/contacts").status == .ok) }
            let answered = Atomic(false)
            let write = Task {
                let answer = try await hs.send(.post, "/crm/v3/objects/contacts", json: ["properties": ["email": "held@example.com"]])
                answered.store(true, ordering: .sequentiallyConsistent)
                return answer
            }
            let clock = ContinuousClock()
            let deadline = clock.now + .seconds(30)
            while try await hs.get("/_emulator/requests").json?["byRoute"]?["POST /crm/v3/objects/contacts"]?.int != 1, clock.now < deadline {
                try await Task.sleep(for: .milliseconds(10))
            }
            let audit = EmulatorClient(client: hs.client, token: "test-audit")
            if hold == "*" {
                // Every CRM route is held; admin routes still answer. Let go, the write would answer at once.
                #expect(try await hs.get("/_emulator/faults").status == .ok)
                try await Task.sleep(for: .milliseconds(200))
                let answeredWhileHeld = answered.load(ordering: .sequentiallyConsistent)
                #expect(!answeredWhileHeld)
            } else {
                // Counted and held: the contact is not made while the faults name its route.
                #expect(try await audit.get("/crm/v3/objects/contacts?properties=email").json?["results"]?.array?.count == 0)
            }
            _ = try await hs.send(.post, "/_emulator/faults", json: [:])
            #expect(try await write.value.status == .created)
            #expect(try await audit.get("/crm/v3/objects/contacts?properties=email").json?["results"]?.array?.count == 1)
        }
    }

    @Test("invalid fault settings are refused")
    func invalidFaults() async throws {
        try await withHubSpot { hs in
            let refused = try await hs.send(.post, "/_emulator/faults", json: ["rate429": 2])
            #expect(refused.status == .badRequest)
            #expect(try await hs.get("/_emulator/faults").json?["rate429"]?.int == 0)
        }
    }

    @Test("requests are counted by route; reset forgets records and counts")
    func countsAndReset() async throws {
        try await withHubSpot { hs in
            _ = try await hs.send(.post, "/crm/v3/objects/contacts", json: ["properties": ["email": "c@example.com"]])
            _ = try await hs.get("/crm/v3/objects/contacts/c%40example.com?idProperty=email")
            _ = try await hs.get("/crm/v3/objects/contacts/nobody%40example.com?idProperty=email")
            let counts = try await hs.get("/_emulator/requests")
            #expect(counts.json?["total"]?.int == 3)
            #expect(counts.json?["byRoute"]?["GET /crm/v3/objects/contacts/{contactId}"]?.int == 2)
            #expect(counts.json?["byRoute"]?["POST /crm/v3/objects/contacts"]?.int == 1)
            _ = try await hs.send(.post, "/_emulator/reset")
            #expect(try await hs.get("/_emulator/requests").json?["total"]?.int == 0)
            #expect(try await hs.get("/crm/v3/objects/contacts/c%40example.com?idProperty=email").status == .notFound)
        }
    }

    @Test("sequential round trips: requests sent together count once, one after another each count")
    func waves() async throws {
        try await withHubSpot { hs in
            _ = try await hs.send(.post, "/_emulator/faults", json: ["latencyMs": 150])
            _ = try await hs.get("/crm/v3/objects/contacts/a%40example.com?idProperty=email")
            _ = try await hs.get("/crm/v3/objects/contacts/b%40example.com?idProperty=email")
            async let first = hs.get("/crm/v3/objects/contacts/c%40example.com?idProperty=email")
            async let second = hs.get("/crm/v3/objects/contacts/d%40example.com?idProperty=email")
            async let third = hs.get("/crm/v3/objects/contacts/e%40example.com?idProperty=email")
            _ = try await (first, second, third)
            let counts = try await hs.get("/_emulator/requests")
            #expect(counts.json?["total"]?.int == 5)
            #expect(counts.json?["waves"]?.int == 3)
        }
    }

    @Test("a dropped connection and a hang reach the client as transport failures", arguments: ["rateReset", "rateTimeout"])
    func transportFaults(kind: String) async throws {
        var quiet = Logger(label: "test")
        quiet.logLevel = .critical
        let emulator = try await HubSpotEmulator().start(logger: quiet)
        let admin = emulator.baseURL + "/_emulator/faults"
        var request = URLRequest(url: URL(string: admin)!)
        request.httpMethod = "POST"
        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        request.httpBody = Data(#"{"\#(kind)":1,"timeoutSeconds":0.3}"#.utf8)
        _ = try await URLSession.shared.data(for: request)
        var call = URLRequest(url: URL(string: emulator.baseURL + "/crm/v3/objects/contacts")!)
        call.setValue("Bearer test-x", forHTTPHeaderField: "Authorization")
        call.timeoutInterval = 10
        let clock = ContinuousClock()
        let started = clock.now
        await #expect(throws: (any Error).self) { _ = try await URLSession.shared.data(for: call) }
        if kind == "rateTimeout" { #expect(clock.now - started >= .milliseconds(300)) }
        await emulator.shutdown()
    }
}
