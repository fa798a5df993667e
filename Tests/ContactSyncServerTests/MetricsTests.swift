import ContactSyncCore
import Foundation
import HTTPTypes
import Testing

/// `GET /metrics` (Prometheus text, admin key) and `GET /ready`.
@Suite("Operations: metrics and readiness")
struct MetricsTests {
    /// The value of the sample whose name and labels (in any order) match, if present.
    static func sample(_ text: String, _ name: String, _ labels: [String: String]) -> Double? {
        for line in text.split(separator: "\n") where labels.isEmpty && line.hasPrefix(name + " ") {
            return Double(line.dropFirst(name.count + 1).trimmingCharacters(in: .whitespaces))
        }
        for line in text.split(separator: "\n") where line.hasPrefix(name + "{") {
            // name{label="value",…} sample — label values may hold spaces and commas are not escaped in ours.
            guard let close = line.lastIndex(of: "}"), let value = Double(line[line.index(after: close)...].trimmingCharacters(in: .whitespaces)) else { continue }
            let body = line[line.index(after: line.firstIndex(of: "{")!)..<close]
            var found: [String: String] = [:]
            for pair in body.components(separatedBy: "\",") {
                let halves = pair.split(separator: "=", maxSplits: 1)
                guard halves.count == 2 else { continue }
                found[String(halves[0])] = String(halves[1]).trimmingCharacters(in: CharacterSet(charactersIn: "\""))
            }
            if labels.allSatisfy({ found[$0.key] == $0.value }) { return value }
        }
        return nil
    }

    @Test("after runs, /metrics has runs by CRM, trigger, status and outcome, their duration, CRM calls and latency, the queue and HTTP requests")
    func scrape() async throws {
        try await withServer { api in
            for scenario in Scenario.both {
                let action = try await api.action(scenario, allowCreate: true, allowUpdateExisting: true)
                for index in 0..<2 {
                    let run = try await api.call(
                        .post, "/v1/actions/\(action)/runs",
                        json: #"{"fields":{"email":"m\#(index)@\#(scenario.crm.rawValue).example","last_name":"M"}}"#)
                    #expect(run.string("status") == "succeeded")
                }
            }
            #expect(try await api.call(.get, "/metrics", key: nil).status == .unauthorized)
            let scrape = try await api.call(.get, "/metrics")
            #expect(scrape.status == .ok)
            #expect(scrape.headers[.contentType]?.hasPrefix("text/plain") == true)
            let text = scrape.body
            for crm in ["hubspot", "salesforce"] {
                #expect(Self.sample(text, "contact_sync_runs_total", ["crm": crm, "trigger": "in_conversation", "status": "succeeded", "outcome": "created"]) == 2)
                #expect(Self.sample(text, "contact_sync_run_duration_seconds_count", ["crm": crm, "trigger": "in_conversation"]) == 2)
                #expect((Self.sample(text, "contact_sync_crm_latency_seconds_count", ["crm": crm]) ?? 0) >= 1)
            }
            #expect(Self.sample(text, "contact_sync_crm_calls_total", ["crm": "salesforce", "route": "GET /query", "status": "200"]) == 2)
            #expect((Self.sample(text, "contact_sync_crm_calls_total", ["crm": "hubspot", "status": "200"]) ?? 0) >= 1)
            #expect(Self.sample(text, "contact_sync_offline_queue_depth", ["state": "due"]) == 0)
            #expect(Self.sample(text, "contact_sync_http_requests_total", ["method": "POST", "route": "/v1/actions/{id}/runs", "status": "200"]) == 4)
            #expect(Self.sample(text, "contact_sync_http_requests_total", ["method": "GET", "route": "/metrics", "status": "401"]) == 1)
            #expect(!text.contains("test-"))
        }
    }

    @Test("after a throttled run, a renewed token and an offline run, /metrics has the rate-limit waits, token refreshes and offline lag")
    func waitsRefreshesAndLag() async throws {
        let fast = RetryPolicy(maxAttempts: 3, backoff: Backoff(base: .milliseconds(1), max: .milliseconds(5)))
        try await withServer(configure: {
            $0.services.crmRetry = fast
            $0.services.runs.retryWindow = 0
        }) { api in
            // HubSpot answers every call with 429 once the connector is warm: the run's one lookup is tried
            // three times, with two waits in between, and fails.
            let hubspot = try await api.action(.hubspot, allowCreate: true, allowUpdateExisting: true)
            #expect(try await api.run(hubspot, fields: ["email": "warm@metrics.example", "last_name": "Warm"]).string("status") == "succeeded")
            try await api.emulator(api.hubspotURL, .POST, "/_emulator/faults", json: #"{"rate429":1}"#)
            #expect(try await api.run(hubspot, fields: ["email": "throttled@metrics.example", "last_name": "T"]).string("status") == "failed")
            try await api.emulator(api.hubspotURL, .POST, "/_emulator/faults", json: #"{"rate429":0}"#)

            // A Salesforce account connected by OAuth whose access token has expired: the run renews it once.
            let start = try await api.call(.get, "/v1/oauth/salesforce/authorize?name=OAuth&emulator=true")
            let oauth = try #require(try await api.oauthCallback(.salesforce, after: start).answer.string("id"))
            let salesforce = try await api.action(.salesforce, allowCreate: true, allowUpdateExisting: true, account: oauth)
            for token in try await api.storedTokens() { try await api.emulator(api.salesforceURL, .POST, "/_emulator/tokens/\(token)/expire") }
            #expect(try await api.run(salesforce, fields: ["email": "renewed@metrics.example", "last_name": "R"]).string("status") == "succeeded")

            // A voice call's offline run, carried out by serve's offline sync once the call ends.
            let offline = try await api.action(.salesforce, allowCreate: true, allowUpdateExisting: true, name: "After the call", offlineSync: true)
            let call = try await api.conversation(actions: [offline], channel: "voice")
            let ended = try await api.call(
                .post, "/v1/conversations/\(call)/end", json: #"{"summary":"Wrapped up.","attributes":{"email":"lag@metrics.example","last_name":"Lag"}}"#)
            #expect(ended.status == .ok)
            let clock = ContinuousClock()
            let deadline = clock.now + .seconds(30)
            var status: String?
            while clock.now < deadline {
                let runs = try await api.call(.get, "/v1/runs?conversationId=\(call)").json?["items"] as? [[String: Any]] ?? []
                status = runs.first?["status"] as? String
                if status == "succeeded" { break }
                try await Task.sleep(for: .milliseconds(50))
            }
            #expect(status == "succeeded")

            let text = try await api.call(.get, "/metrics").body
            #expect(Self.sample(text, "contact_sync_rate_limit_waits_total", ["crm": "hubspot"]) == 2)
            #expect(Self.sample(text, "contact_sync_rate_limit_wait_seconds_count", ["crm": "hubspot"]) == 2)
            #expect(Self.sample(text, "contact_sync_rate_limit_waits_total", ["crm": "salesforce"]) == nil)
            #expect(Self.sample(text, "contact_sync_runs_total", ["crm": "hubspot", "trigger": "in_conversation", "status": "failed"]) == 1)
            #expect(Self.sample(text, "contact_sync_token_refreshes_total", ["crm": "salesforce"]) == 1)
            #expect(Self.sample(text, "contact_sync_token_refreshes_total", ["crm": "hubspot"]) == nil)
            #expect(Self.sample(text, "contact_sync_runs_total", ["crm": "salesforce", "trigger": "offline", "status": "succeeded", "outcome": "created"]) == 1)
            #expect(Self.sample(text, "contact_sync_offline_lag_seconds_count", [:]) == 1)
        }
    }

    @Test("/ready answers 200 once the database is migrated; no key needed")
    func ready() async throws {
        try await withServer { api in
            let ready = try await api.call(.get, "/ready", key: nil)
            #expect(ready.status == .ok)
            #expect(ready.string("status") == "ready")
        }
    }
}
