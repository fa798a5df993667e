import ContactSyncServer
import Foundation
import Hummingbird
import Synchronization
import Testing

@Suite("The admin API key across restarts")
struct APIKeyRotationTests {
    @Test("changing CONTACT_SYNC_API_KEY revokes the previous key, the generated one included")
    func changingTheKeyRevokesThePrevious() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("contact-sync-keys-\(UUID().uuidString)").path
        let announced = Mutex<[String]>([])
        let sameData: @Sendable (inout AppConfiguration, String?) -> Void = { configuration, key in
            configuration.services.database = .sqlite(path: directory + "/contact-sync.sqlite")
            configuration.services.dataDirectory = directory
            configuration.services.apiKey = key
            configuration.services.announce = { line in announced.withLock { $0.append(line) } }
        }
        try await withServer(configure: { sameData(&$0, nil) }) { _ in }
        let generated = try #require(announced.withLock { $0 }.compactMap { $0.components(separatedBy: ": ").last }.first { $0.hasPrefix("csk_") })
        try await withServer(configure: { sameData(&$0, nil) }) { (api: ServerHarness) async throws in
            #expect(try await api.call(.get, "/v1/templates", key: generated).status == .ok)
        }
        try await withServer(configure: { sameData(&$0, "chosen-key-1") }) { (api: ServerHarness) async throws in
            #expect(try await api.call(.get, "/v1/templates", key: generated).status == .unauthorized)
            #expect(try await api.call(.get, "/v1/templates", key: "chosen-key-1").status == .ok)
        }
        try await withServer(configure: { sameData(&$0, "chosen-key-2") }) { (api: ServerHarness) async throws in
            #expect(try await api.call(.get, "/v1/templates", key: "chosen-key-1").status == .unauthorized)
            #expect(try await api.call(.get, "/v1/templates", key: "chosen-key-2").status == .ok)
        }
    }
}
