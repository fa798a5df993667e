import ArgumentParser
import ContactSyncCore
import ContactSyncStore
import Foundation
import Logging

/// `contact-sync bench idle`: resident memory of a running contact-sync with many open conversations.
struct IdleBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "idle", abstract: "Resident memory with many open conversations waiting for their end.")

    @Option(help: "Open conversations.") var conversations = 1_000_000
    @Flag(help: "Print one JSON object.") var json = false

    struct Report: Codable {
        let conversations: Int
        let residentMB: Double
        let baselineMB: Double
    }

    func run() async throws {
        guard conversations > 0 else { throw ValidationError("--conversations must be positive") }
        let environment = try await BenchEnvironment.start(latencyMs: 0, textIdleSeconds: 86_400)
        let account = try await environment.call(.POST, "/v1/accounts", json: ["crm": "hubspot", "emulator": true]).body["id"] as? String ?? ""
        let action = try await environment.call(.POST, "/v1/actions", json: [
            "template": "hubspot.upsert_contact", "name": "Sync after chat", "offlineSync": true, "accountId": account,
            "mappings": [["crmField": "email", "agentField": "email"]],
        ]).body["id"] as? String ?? ""
        let agent = try await environment.call(.POST, "/v1/agents", json: ["name": "Chat", "channel": "text", "actionIds": [action]]).body["id"] as? String ?? ""
        let baseline = residentMegabytes()

        var logger = Logger(label: "bench")
        logger.logLevel = .critical
        let store = try await Store.open(.sqlite(path: environment.directory + "/contact-sync.sqlite"), logger: logger)
        let now = Date()
        for start in stride(from: 0, to: conversations, by: 10_000) {
            let chunk = (start..<min(start + 10_000, conversations)).map { index in
                Conversation(
                    id: "open-\(index)", agentId: agent, channel: .text, startedAt: now, lastMessageAt: now, endsAt: now.addingTimeInterval(86_400),
                    attributes: ["email": "visitor\(index)@idle.example"], messageCount: 1)
            }
            try await ConversationRepository(store).insertConversations(chunk)
        }
        try await store.close()
        // Let offline sync look for due work a few times while everything waits.
        try await Task.sleep(for: .seconds(3))
        let _ = try await environment.call(.GET, "/v1/conversations/open-0")
        let resident = residentMegabytes()
        await environment.stop()
        let report = Report(conversations: conversations, residentMB: resident, baselineMB: baseline)
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            announce(String(decoding: try encoder.encode(report), as: UTF8.self))
        } else {
            announce(String(format: "%d open conversations: %.0f MB resident (%.0f MB before they were added)", conversations, resident, baseline))
        }
    }

    /// VmRSS of this process, in megabytes.
    func residentMegabytes() -> Double {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
            let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") })
        else { return 0 }
        let kilobytes = Double(line.split(separator: " ").dropFirst().first ?? "0") ?? 0
        return kilobytes / 1024
    }
}
