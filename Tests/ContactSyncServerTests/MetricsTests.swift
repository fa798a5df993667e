import Foundation
import HTTPTypes
import Testing

/// `GET /metrics` (Prometheus text, admin key) and `GET /ready`.
@Suite("Operations: metrics and readiness")
struct MetricsTests {
    /// The value of the sample whose name and labels (in any order) match, if present.
    static func sample(_ text: String, _ name: String, _ labels: [String: String]) -> Double? {
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

    @Test("/ready answers 200 once the database is migrated; no key needed")
    func ready() async throws {
        try await withServer { api in
            let ready = try await api.call(.get, "/ready", key: nil)
            #expect(ready.status == .ok)
            #expect(ready.string("status") == "ready")
        }
    }
}
