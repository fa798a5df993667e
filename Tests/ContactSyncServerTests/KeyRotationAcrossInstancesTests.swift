import ContactSyncCore
import ContactSyncRuntime
import ContactSyncStore
import ContactSyncTestSupport
import Foundation
import Synchronization
import Testing

@testable import ContactSyncServer

/// A new `CONTACT_SYNC_API_KEY` on one instance revokes the old key on every instance sharing the database
/// within 10 s (ARCHITECTURE §4): a verified admin key is trusted only briefly without asking the database.
@Suite("API keys: rotation reaches every instance")
struct KeyRotationAcrossInstancesTests {
    final class Clock: Sendable {
        let time = Mutex(Date(timeIntervalSince1970: 1_800_000_000))
        func advance(_ seconds: TimeInterval) { time.withLock { $0 += seconds } }
        var closure: @Sendable () -> Date { { self.time.withLock { $0 } } }
    }

    @Test("rotatedKeyRevokedEverywhereWithin10Seconds: another instance's new admin key ends the old one here within 10 s", arguments: Backend.available)
    func rotatedKeyRevokedEverywhereWithin10Seconds(backend: Backend) async throws {
        let store = try await backend.freshStore()
        let digest = try SecretBox(key: Data(repeating: 3, count: 32)).keyDigest
        let clock = Clock()
        let here = VerifiedKeys(access: AccessService(keys: AccessRepository(store), keyDigest: digest, now: clock.closure), now: clock.closure)
        try await AccessRepository(store).addAPIKey("csk_old", digest: digest, now: Date())
        #expect(await here.caller("csk_old") == .admin)
        // Another instance starts with a new key: the database now knows only that one.
        try await AccessRepository(store).replaceAPIKeys(with: "csk_new", digest: digest, now: Date())
        clock.advance(10)
        #expect(await here.caller("csk_old") == nil)
        #expect(await here.caller("csk_new") == .admin)
        try await store.close()
    }
}
