import ContactSyncStore
import ServiceLifecycle

/// Closes the store when the service group shuts down. Listed first in a group, it stops last, after every
/// service that still writes; closing waits for the saves stopping runs are finishing (``Store/finishing(_:)``).
public struct StoreCloser: Service {
    let store: Store

    public init(store: Store) { self.store = store }

    public func run() async throws {
        try? await gracefulShutdown()
        try await store.close()
    }
}

