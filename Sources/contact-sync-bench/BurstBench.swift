import ArgumentParser
import ContactSyncCore
import ContactSyncStore
import Foundation
import Logging
import NIOHTTP1
import SQLKit

/// `contact-sync bench burst`: N conversations end at once; offline sync drains them in batches.
struct BurstBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "burst", abstract: "Conversations ending at once, synced offline in batches.")

    @Option(help: "hubspot or salesforce.") var crm: CRM = .hubspot
    @Option(help: "Conversations that end at once.") var conversations = 10_000
    @Option(name: .customLong("latency-ms"), help: "Latency the emulator adds to every CRM request.") var latencyMs = 25
    @Option(name: .customLong("rate-limit"), help: "HubSpot requests per 10 s per app (the real limit: 110).") var rateLimit = 110
    @Flag(help: "Print one JSON object.") var json = false
    @Option(name: .customLong("database-url"), help: "Run on this PostgreSQL server (in a database of its own, dropped afterwards) instead of SQLite.")
    var databaseURL: String?

    struct Report: Codable {
        let crm: String
        let conversations: Int
        let drainSeconds: Double
        let crmCalls: Int
        let callsPer1000: Double
        let http429: Int
        let perItemSeconds: Double
        let latencyMs: Int
        /// `sqlite` or `postgres`.
        let database: String
    }

    func run() async throws {
        guard conversations > 0 else { throw ValidationError("--conversations must be positive") }
        try await BenchDatabase.with(serverURL: databaseURL, delayMs: 0) { try await drain($0) }
    }

    /// The burst on `database` (directly, no proxy), else on SQLite.
    private func drain(_ database: BenchDatabase?) async throws {
        let limit = rateLimit
        let environment = try await BenchEnvironment.start(latencyMs: latencyMs, databaseURL: database?.url) { hubspot, _ in hubspot.burstLimit = limit }
        let account = try await environment.call(.POST, "/v1/accounts", json: ["crm": crm.rawValue, "emulator": true]).body["id"] as? String ?? ""
        let mappings: [[String: String]] = crm == .hubspot
            ? [["crmField": "email", "agentField": "email"], ["crmField": "firstname", "agentField": "first_name"], ["crmField": "lastname", "agentField": "last_name"], ["crmField": "ai_conversation_summary", "agentField": "summary"]]
            : [["crmField": "Email", "agentField": "email"], ["crmField": "FirstName", "agentField": "first_name"], ["crmField": "LastName", "agentField": "last_name"], ["crmField": "Conversation_Summary__c", "agentField": "summary"]]
        let action = try await environment.call(.POST, "/v1/actions", json: [
            "template": crm == .hubspot ? "hubspot.upsert_contact" : "salesforce.upsert_contact", "name": "Sync after call", "offlineSync": true,
            "accountId": account, "allowCreate": true, "allowUpdateExisting": true, "mappings": mappings,
        ]).body["id"] as? String ?? ""
        let agent = try await environment.call(.POST, "/v1/agents", json: ["name": "Phone", "channel": "voice", "actionIds": [action]]).body["id"] as? String ?? ""
        let before = try await requestTotals(environment)

        // Every conversation ends at the same instant, once all of them are stored: the clock starts then.
        var logger = Logger(label: "bench")
        logger.logLevel = .critical
        let store = try await Store.open(database.map { .postgres(url: $0.url) } ?? .sqlite(path: environment.directory + "/contact-sync.sqlite"), logger: logger)
        let end = Date().addingTimeInterval(2 + Double(conversations) / 5_000)
        var batch: [Conversation] = []
        for index in 0..<conversations {
            batch.append(Conversation(
                id: "burst-\(index)", agentId: agent, channel: .voice, startedAt: end.addingTimeInterval(-120), endsAt: end, endedAt: end,
                attributes: ["email": "caller\(index)@burst.example", "first_name": "Caller", "last_name": "No. \(index)"],
                summary: "Caller \(index) asked about pricing and wants a demo next week."))
            if batch.count == 5_000 || index == conversations - 1 {
                try await ConversationRepository(store).insertConversations(batch)
                batch.removeAll(keepingCapacity: true)
            }
        }
        guard end.timeIntervalSinceNow > 0 else { throw BenchError("storing the conversations took longer than planned; they ended before the clock started") }
        let clock = ContinuousClock()
        let start = clock.now + .seconds(end.timeIntervalSinceNow)
        try await clock.sleep(until: start)
        // The probe reads only the status index, so that watching costs the server next to nothing; the runs'
        // action is checked once the count is reached (every run of this fresh database is the burst's).
        func succeeded(_ query: SQLQueryString) async throws -> Int {
            try await store.database.raw(query).first()?.decode(column: "n", as: Int.self) ?? 0
        }
        while true {
            let counted = try await succeeded("SELECT COUNT(*) AS n FROM runs WHERE status = 'succeeded'")
            if counted >= conversations, try await succeeded("SELECT COUNT(*) AS n FROM runs WHERE action_id = \(bind: action) AND status = 'succeeded'") == conversations {
                break
            }
            if clock.now - start > .seconds(1800) { throw BenchError("the burst did not drain within 30 minutes (\(counted) of \(conversations))") }
            try await Task.sleep(for: .milliseconds(50))
        }
        let drain = (clock.now - start).milliseconds / 1000
        try await store.close()
        let after = try await requestTotals(environment)
        await environment.stop()

        let calls = after.total - before.total
        // One run at a time: HubSpot needs a lookup, a create and a note per new contact at the rate limit;
        // Salesforce a query and a create, one after another.
        let perItem = crm == .hubspot
            ? Double(conversations * 3) / Double(rateLimit) * 10
            : Double(conversations * 2) * Double(latencyMs) / 1000
        let report = Report(
            crm: crm.rawValue, conversations: conversations, drainSeconds: drain, crmCalls: calls,
            callsPer1000: Double(calls) / Double(conversations) * 1000, http429: after.throttled - before.throttled, perItemSeconds: perItem, latencyMs: latencyMs,
            database: database == nil ? "sqlite" : "postgres")
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            announce(String(decoding: try encoder.encode(report), as: UTF8.self))
        } else {
            announce("\(conversations) \(crm.rawValue) conversations ending at once, emulator latency \(latencyMs) ms" + (crm == .hubspot ? ", \(rateLimit) requests / 10 s" : "")
                + (database == nil ? ", on SQLite" : ", on PostgreSQL"))
            announce(String(format: "drained in %.1f s with %d CRM calls (%.1f per 1,000 contacts), %d throttled answers", drain, calls, report.callsPer1000, report.http429))
            announce(String(format: "one run at a time would take about %.0f s (%.1fx longer)", perItem, perItem / max(drain, 0.001)))
        }
    }

    func requestTotals(_ environment: BenchEnvironment) async throws -> (total: Int, throttled: Int) {
        let answer = try await BenchEnvironment.send(.GET, environment.emulatorURL(crm) + "/_emulator/requests", token: nil)
        let statuses = answer.body["byStatus"] as? [String: Int] ?? [:]
        return (answer.body["total"] as? Int ?? 0, statuses["429"] ?? 0)
    }
}

extension CRM: ExpressibleByArgument {}
