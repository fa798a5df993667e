import ContactSyncStore
import ServiceLifecycle

/// Closes the store when the service group shuts down. Listed first in a group, it stops last, after every
/// service that still writes.
public struct StoreCloser: Service {
    let store: Store

    public init(store: Store) { self.store = store }

    public func run() async throws {
        try? await gracefulShutdown()
        try await store.close()
    }
}

/// Runs `body` to the end even when the calling task is cancelled: what a stopping run has done must
/// still be recorded.
func shielded<T: Sendable>(_ body: @escaping @Sendable () async throws -> T) async throws -> T {
    try await Task { try await body() }.value
}
