import ContactSyncCore
import Synchronization

/// Actions and accounts as last read, for a database only this process writes (SQLite): a run reads them from
/// memory until a write to either table forgets them all. A read that began before such a write is not kept,
/// so what is kept is never older than the last write. On PostgreSQL other instances write too, and nothing
/// is kept.
final class ConfigurationCache: Sendable {
    private struct State {
        /// Counts writes; a read is kept only if none happened while it ran.
        var generation = 0
        var actions: [String: StoredAction] = [:]
        var accounts: [String: AccountRecord] = [:]
    }

    private let state = Mutex(State())

    /// The kept action, or reads it with `read` and keeps what it finds.
    func action(_ id: String, read: () async throws -> StoredAction?) async throws -> StoredAction? {
        try await value(\.actions, id, read: read)
    }

    /// The kept account, or reads it with `read` and keeps what it finds.
    func account(_ id: String, read: () async throws -> AccountRecord?) async throws -> AccountRecord? {
        try await value(\.accounts, id, read: read)
    }

    private func value<Record: Sendable>(
        _ records: WritableKeyPath<State, [String: Record]> & Sendable, _ id: String, read: () async throws -> Record?
    ) async throws -> Record? {
        let (kept, generation) = state.withLock { ($0[keyPath: records][id], $0.generation) }
        if let kept { return kept }
        let found = try await read()
        if let found { state.withLock { if $0.generation == generation { $0[keyPath: records][id] = found } } }
        return found
    }

    /// Forgets everything kept, after a write to actions or accounts.
    func forget() {
        state.withLock { state in
            state.generation += 1
            state.actions.removeAll()
            state.accounts.removeAll()
        }
    }
}
