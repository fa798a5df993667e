import ContactSyncCore
import ContactSyncStore
import ContactSyncTestSupport
import Foundation
import SQLKit
import Testing

@Suite("Store: schema and configuration records")
struct StoreTests {
    static let now = Date(timeIntervalSince1970: 1_800_000_000)

    static func account(_ id: String = Identifier.make("acc"), crm: CRM = .hubspot) -> AccountRecord {
        AccountRecord(
            id: id, crm: crm, name: "Acme", status: .connected, baseURL: "http://127.0.0.1:9101", sealedCredentials: Data([1, 2, 3, 250]),
            identity: #"{"accountId":"1"}"#, emulator: true, createdAt: now, updatedAt: now)
    }

    static func action(_ id: String = Identifier.make("act"), accountId: String) -> Action {
        Action(
            id: id, template: "hubspot.upsert_contact", name: "Save", intent: "When details are shared", offlineSync: false,
            accountId: accountId, allowCreate: true, allowUpdateExisting: false,
            mappings: [FieldMapping(crmField: "email", agentField: "email"), FieldMapping(crmField: "company", agentField: "company_size", defaultValue: "n/a")])
    }

    @Test("migrations apply once and are idempotent", arguments: Backend.available)
    func migrations(backend: Backend) async throws {
        try await withStore(backend) { store in
            #expect(Store.latestSchemaVersion == 20)
            #expect(try await store.schemaVersion() == Store.latestSchemaVersion)
            try await store.migrate()
            #expect(try await store.schemaVersion() == Store.latestSchemaVersion)
            let applied = try await store.database.raw("SELECT COUNT(*) AS n FROM schema_migrations").first()?.decode(column: "n", as: Int.self)
            #expect(applied == 20)
        }
    }

    @Test("accounts: insert, read, page with a cursor, update credentials and status", arguments: Backend.available)
    func accounts(backend: Backend) async throws {
        try await withStore(backend) { store in
            var ids: [String] = []
            for _ in 0..<5 {
                let account = Self.account()
                try await AccountRepository(store).insertAccount(account)
                ids.append(account.id)
            }
            let read = try #require(try await AccountRepository(store).account(id: ids[0]))
            #expect(read == Self.account(ids[0]))
            let first = try await AccountRepository(store).accounts(limit: 2, cursor: nil)
            #expect(first.items.map(\.id) == Array(ids[0..<2]))
            let second = try await AccountRepository(store).accounts(limit: 2, cursor: first.nextCursor)
            #expect(second.items.map(\.id) == Array(ids[2..<4]))
            let last = try await AccountRepository(store).accounts(limit: 2, cursor: second.nextCursor)
            #expect(last.items.map(\.id) == [ids[4]])
            #expect(last.nextCursor == nil)
            await #expect(throws: RepositoryError.invalidCursor) { _ = try await AccountRepository(store).accounts(limit: 2, cursor: "x") }

            try await AccountRepository(store).updateAccountCredentials(id: ids[0], sealed: Data([9]), status: .reconnectRequired, now: Self.now)
            let updated = try #require(try await AccountRepository(store).account(id: ids[0]))
            #expect(updated.sealedCredentials == Data([9]))
            #expect(updated.status == .reconnectRequired)
            try await AccountRepository(store).updateAccountStatus(id: ids[0], status: .connected, now: Self.now)
            #expect(try await AccountRepository(store).account(id: ids[0])?.status == .connected)
            #expect(try await AccountRepository(store).account(id: "acc_missing") == nil)
        }
    }

    @Test("an account in use by an action cannot be deleted", arguments: Backend.available)
    func accountInUse(backend: Backend) async throws {
        try await withStore(backend) { store in
            let account = Self.account()
            try await AccountRepository(store).insertAccount(account)
            let action = Self.action(accountId: account.id)
            try await ConfigurationRepository(store).insertAction(action, now: Self.now)
            #expect(try await AccountRepository(store).deleteAccount(id: account.id) == false)
            #expect(try await ConfigurationRepository(store).deleteAction(id: action.id) == true)
            #expect(try await AccountRepository(store).deleteAccount(id: account.id) == true)
            #expect(try await AccountRepository(store).account(id: account.id) == nil)
        }
    }

    @Test("agent fields: built-ins first, conflicts, in-use fields kept", arguments: Backend.available)
    func agentFields(backend: Backend) async throws {
        try await withStore(backend) { store in
            try await ConfigurationRepository(store).insertAgentField(AgentField(key: "company_size", label: "Company size", contactAttribute: true), now: Self.now)
            let fields = try await ConfigurationRepository(store).agentFields()
            #expect(fields.prefix(6).map(\.key) == AgentField.builtIns.map(\.key))
            #expect(fields.last == AgentField(key: "company_size", label: "Company size", builtIn: false, contactAttribute: true))
            await #expect(throws: RepositoryError.conflict("company_size")) {
                try await ConfigurationRepository(store).insertAgentField(AgentField(key: "company_size", label: "Again"), now: Self.now)
            }
            await #expect(throws: RepositoryError.conflict("email")) { try await ConfigurationRepository(store).insertAgentField(AgentField(key: "email", label: "E"), now: Self.now) }
            let account = Self.account()
            try await AccountRepository(store).insertAccount(account)
            let action = Self.action(accountId: account.id)
            try await ConfigurationRepository(store).insertAction(action, now: Self.now)
            #expect(try await ConfigurationRepository(store).deleteAgentField(key: "company_size") == false)
            _ = try await ConfigurationRepository(store).deleteAction(id: action.id)
            #expect(try await ConfigurationRepository(store).deleteAgentField(key: "company_size") == true)
            #expect(try await ConfigurationRepository(store).deleteAgentField(key: "company_size") == nil)
        }
    }

    @Test("actions and agents round-trip; an action an agent has cannot be deleted", arguments: Backend.available)
    func actionsAndAgents(backend: Backend) async throws {
        try await withStore(backend) { store in
            let account = Self.account()
            try await AccountRepository(store).insertAccount(account)
            var action = Self.action(accountId: account.id)
            try await ConfigurationRepository(store).insertAction(action, now: Self.now)
            #expect(try await ConfigurationRepository(store).action(id: action.id)?.action == action)
            action.name = "Renamed"
            action.offlineSync = true
            action.mappings.removeLast()
            try await ConfigurationRepository(store).updateAction(action, now: Self.now)
            #expect(try await ConfigurationRepository(store).action(id: action.id)?.action == action)
            #expect(try await ConfigurationRepository(store).actions(ids: [action.id, "act_missing"]).map(\.action.id) == [action.id])

            var agent = Agent(id: Identifier.make("agt"), name: "Chat", channel: .text, actionIds: [action.id])
            try await ConfigurationRepository(store).insertAgent(agent, now: Self.now)
            #expect(try await ConfigurationRepository(store).agent(id: agent.id)?.agent == agent)
            #expect(try await ConfigurationRepository(store).deleteAction(id: action.id) == false)
            agent.channel = .voice
            agent.actionIds = []
            try await ConfigurationRepository(store).updateAgent(agent, now: Self.now)
            #expect(try await ConfigurationRepository(store).agent(id: agent.id)?.agent == agent)
            #expect(try await ConfigurationRepository(store).agents(limit: 10, cursor: nil).items.count == 1)
            #expect(try await ConfigurationRepository(store).deleteAction(id: action.id) == true)
            #expect(try await ConfigurationRepository(store).deleteAgent(id: agent.id) == true)
            #expect(try await ConfigurationRepository(store).deleteAgent(id: agent.id) == false)
        }
    }

    @Test("keyedHashes: API and agent keys are stored as HMAC under the installation's secret; an unkeyed digest of an earlier version works once and is stored anew", arguments: Backend.available)
    func keyedHashes(backend: Backend) async throws {
        try await withStore(backend) { store in
            let digest = try SecretBox(key: Data(repeating: 7, count: 32)).keyDigest
            let other = try SecretBox(key: Data(repeating: 8, count: 32)).keyDigest
            #expect(try await AccessRepository(store).hasAPIKeys() == false)
            try await AccessRepository(store).addAPIKey("csk_secret", digest: digest, now: Self.now)
            try await AccessRepository(store).addAPIKey("csk_secret", digest: digest, now: Self.now)
            #expect(try await AccessRepository(store).isValid(apiKey: "csk_secret", digest: digest))
            #expect(try await AccessRepository(store).isValid(apiKey: "csk_other", digest: digest) == false)
            // Without the secret the stored digest cannot be recomputed from a guess.
            #expect(try await AccessRepository(store).isValid(apiKey: "csk_secret", digest: other) == false)
            let stored = try await store.database.raw("SELECT key_hash FROM api_keys").all().map { try $0.decode(column: "key_hash", as: String.self) }
            #expect(stored == [digest("csk_secret")])
            #expect(stored[0].hasPrefix("hmac:"))
            #expect(stored[0] != Digests.sha256("csk_secret"))

            // A key stored unkeyed by an earlier version: accepted once, then only in its keyed form.
            try await store.database.raw("UPDATE api_keys SET key_hash = \(bind: Digests.sha256("csk_secret"))").run()
            #expect(try await AccessRepository(store).isValid(apiKey: "csk_secret", digest: digest))
            let upgraded = try await store.database.raw("SELECT key_hash FROM api_keys").all().map { try $0.decode(column: "key_hash", as: String.self) }
            #expect(upgraded == [digest("csk_secret")])

            let created = try await AccessRepository(store).createAgentKey(agentId: "agt_1", digest: digest, now: Self.now)
            #expect(try await AccessRepository(store).agent(forKey: created.secret, digest: digest) == "agt_1")
            #expect(try await AccessRepository(store).agent(forKey: created.secret, digest: other) == nil)
            try await store.database.raw("UPDATE agent_keys SET key_hash = \(bind: Digests.sha256(created.secret))").run()
            #expect(try await AccessRepository(store).agent(forKey: created.secret, digest: digest) == "agt_1")
            let agentHashes = try await store.database.raw("SELECT key_hash FROM agent_keys").all().map { try $0.decode(column: "key_hash", as: String.self) }
            #expect(agentHashes == [digest(created.secret)])
        }
    }

    @Test("OAuth states work once, and only with the binding of the browser that started them", arguments: Backend.available)
    func oauthStates(backend: Backend) async throws {
        try await withStore(backend) { store in
            let state = AccessRepository.OAuthState(
                state: "s1", crm: "hubspot", name: "Acme", codeVerifier: "v", loginURL: nil, emulator: true, createdAt: Self.now, bindingDigest: "b1")
            try await AccessRepository(store).insertOAuthState(state)
            #expect(try await AccessRepository(store).takeOAuthState("s1", bindingDigest: "other") == nil)
            #expect(try await AccessRepository(store).takeOAuthState("s1", bindingDigest: "b1") == state)
            #expect(try await AccessRepository(store).takeOAuthState("s1", bindingDigest: "b1") == nil)
        }
    }

    @Test("a transaction rolls back when its body throws", arguments: Backend.available)
    func rollback(backend: Backend) async throws {
        struct Boom: Error {}
        try await withStore(backend) { store in
            await #expect(throws: Boom.self) {
                try await store.transaction { db in
                    try await db.raw("INSERT INTO api_keys (id, key_hash, created_at) VALUES ('k1', 'h1', 1)").run()
                    throw Boom()
                }
            }
            let anyKeys = try await AccessRepository(store).hasAPIKeys()
            #expect(anyKeys == false)
        }
    }

    @Test("concurrent transactions on one store do not interfere", arguments: Backend.available)
    func concurrentTransactions(backend: Backend) async throws {
        try await withStore(backend) { store in
            try await withThrowingTaskGroup(of: Void.self) { group in
                for index in 0..<20 {
                    group.addTask {
                        try await store.transaction { db in
                            try await db.raw("INSERT INTO api_keys (id, key_hash, created_at) VALUES (\(bind: "k\(index)"), \(bind: "h\(index)"), 1)").run()
                        }
                    }
                }
                try await group.waitForAll()
            }
            #expect(try await store.database.raw("SELECT COUNT(*) AS n FROM api_keys").first()?.decode(column: "n", as: Int.self) == 20)
        }
    }
}

@Suite("Secrets at rest")
struct SecretBoxTests {
    @Test("AES-GCM seals and opens; a wrong key cannot open")
    func sealAndOpen() throws {
        let box = try SecretBox(key: Data(repeating: 7, count: 32))
        let sealed = try box.seal(Data("pat-na1-secret-token".utf8))
        #expect(!String(decoding: sealed, as: UTF8.self).contains("secret"))
        #expect(try box.open(sealed) == Data("pat-na1-secret-token".utf8))
        #expect(throws: (any Error).self) { try SecretBox(key: Data(repeating: 8, count: 32)).open(sealed) }
        #expect(throws: SecretBoxError.badKey) { try SecretBox(key: Data(repeating: 1, count: 16)) }
    }

    @Test("without CONTACT_SYNC_SECRET_KEY a 0600 key file is created once and reused")
    func keyFile() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("cs-key-\(UUID().uuidString)").path
        let first = try SecretBox.load(base64Key: nil, directory: directory)
        let sealed = try first.seal(Data("x".utf8))
        let attributes = try FileManager.default.attributesOfItem(atPath: directory + "/secret.key")
        #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o600)
        #expect(try SecretBox.load(base64Key: nil, directory: directory).open(sealed) == Data("x".utf8))
        let fromEnvironment = try SecretBox.load(base64Key: Data(repeating: 3, count: 32).base64EncodedString(), directory: directory)
        #expect(throws: (any Error).self) { try fromEnvironment.open(sealed) }
    }
}
