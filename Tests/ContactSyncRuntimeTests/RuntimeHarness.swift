import AsyncHTTPClient
import CRMEmulators
import ContactSyncCore
import ContactSyncStore
import ContactSyncTestSupport
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import Synchronization

@testable import ContactSyncRuntime

/// A clock the tests move by hand.
final class ManualClock: Sendable {
    private let time = Mutex(Date(timeIntervalSince1970: 1_800_000_000))
    var now: Date { time.withLock { $0 } }
    func advance(_ seconds: TimeInterval) { time.withLock { $0 = $0.addingTimeInterval(seconds) } }
    var closure: @Sendable () -> Date { { self.now } }
}

/// The runtime services on a fresh store, with both emulators and a manual clock.
struct Runtime: Sendable {
    let repositories: Repositories
    let clock: ManualClock
    let hubspot: RunningEmulator
    let salesforce: RunningEmulator
    let connectors: Connectors
    let accounts: AccountService
    let configuration: ConfigurationService
    let conversations: ConversationService
    let engine: RunEngine
    let offline: OfflineSync
    let voice: VoiceWebhooks

    static var quiet: Logger {
        var logger = Logger(label: "runtime-test")
        logger.logLevel = .critical
        return logger
    }

    static func start(_ backend: Backend, settings: OfflineSync.Settings = OfflineSync.Settings(), runs: RunEngine.Settings = RunEngine.Settings()) async throws -> Runtime {
        let clock = ManualClock()
        let hubspot = try await HubSpotEmulator().start(logger: quiet)
        let salesforce = try await SalesforceEmulator().start(logger: quiet)
        // The services come from the one composition root, as serve's and the worker's do.
        var options = Services.Settings(
            database: backend.freshLocation(), dataDirectory: FileManager.default.temporaryDirectory.appendingPathComponent("contact-sync-tests").path)
        options.secretKey = Data(repeating: 1, count: 32).base64EncodedString()
        options.managesAdminKey = false
        options.logger = quiet
        options.crmRetry = RetryPolicy(maxAttempts: 3, backoff: Backoff(base: .milliseconds(1), max: .milliseconds(5)))
        options.runs = runs
        options.offline = settings
        options.now = clock.closure
        let services = try await Services.open(options)
        return Runtime(
            repositories: services.repositories, clock: clock, hubspot: hubspot, salesforce: salesforce, connectors: services.connectors, accounts: services.accounts,
            configuration: services.configuration, conversations: services.conversations, engine: services.engine, offline: services.offline,
            voice: services.voice)
    }

    var store: Store { repositories.store }

    func stop() async {
        try? await store.close()
        await hubspot.shutdown()
        await salesforce.shutdown()
    }

    func url(_ crm: CRM) -> String { crm == .hubspot ? hubspot.baseURL : salesforce.baseURL }

    func account(_ crm: CRM) async throws -> String {
        try await accounts.connect(.emulator(crm: crm, name: nil, baseURL: url(crm))).id
    }

    func action(_ crm: CRM, account: String, offline: Bool, allowCreate: Bool = true, allowUpdateExisting: Bool = true, summary: Bool = true) async throws -> String {
        let names = crm == .hubspot ? ("email", "firstname", "lastname", "ai_conversation_summary") : ("Email", "FirstName", "LastName", "Conversation_Summary__c")
        var mappings = [
            FieldMapping(crmField: names.0, agentField: "email"), FieldMapping(crmField: names.1, agentField: "first_name"),
            FieldMapping(crmField: names.2, agentField: "last_name"),
        ]
        if summary { mappings.append(FieldMapping(crmField: names.3, agentField: "summary")) }
        let draft = Action(
            id: "", template: crm == .hubspot ? "hubspot.upsert_contact" : "salesforce.upsert_contact", name: "Sync \(UUID().uuidString.prefix(6))",
            intent: "sync", offlineSync: offline, accountId: account, allowCreate: allowCreate, allowUpdateExisting: allowUpdateExisting, mappings: mappings)
        return try await configuration.createAction(draft).action.id
    }

    func agent(_ channel: AgentChannel, actions: [String]) async throws -> String {
        try await configuration.createAgent(name: "Agent", channel: channel, actionIds: actions).agent.id
    }

    func conversation(agent: String, attributes: [String: String], summary: String? = nil) async throws -> String {
        let id = try await conversations.start(id: nil, agentId: agent).id
        _ = try await conversations.mergeAttributes(conversationId: id, attributes.mapValues { Optional($0) })
        if let summary { _ = try await conversations.setSummary(conversationId: id, text: summary) }
        return id
    }

    func runs(conversation: String) async throws -> [RunRecord] {
        try await repositories.runs.runs(RunFilter(conversationId: conversation), limit: 100, cursor: nil).items
    }

    /// Sends a request to an emulator with another integration's token.
    @discardableResult
    func emulator(_ crm: CRM, _ method: NIOHTTP1.HTTPMethod, _ path: String, json: String? = nil, token: String = "test-someone-else") async throws -> (Int, [String: Any]) {
        var request = HTTPClientRequest(url: url(crm) + path)
        request.method = method
        request.headers.add(name: "Authorization", value: "Bearer \(token)")
        // Admin requests are JSON, even those without a body of their own.
        if let json = json ?? (method == .POST ? "{}" : nil) {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(string: json))
        }
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
        let data = Data(try await response.body.collect(upTo: 1 << 24).readableBytesView)
        return (Int(response.status.code), (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] ?? [:])
    }
}

/// Runs `body` with a fresh runtime and stops it afterwards.
func withRuntime<T: Sendable>(
    _ backend: Backend, settings: OfflineSync.Settings = OfflineSync.Settings(), runs: RunEngine.Settings = RunEngine.Settings(),
    _ body: (Runtime) async throws -> T
) async throws -> T {
    let runtime = try await Runtime.start(backend, settings: settings, runs: runs)
    do {
        let result = try await body(runtime)
        await runtime.stop()
        return result
    } catch {
        await runtime.stop()
        throw error
    }
}

extension RunEngine.Settings {
    /// No retry window: a run that fails for a transient cause stays failed, for an operator's retry.
    static var failingAtOnce: RunEngine.Settings {
        var settings = RunEngine.Settings()
        settings.retryWindow = 0
        return settings
    }
}
