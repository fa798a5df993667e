import ContactSyncCore
import Synchronization

/// Actions, accounts and agents as last read, each with its stored version, so that a run need not read them again.
///
/// On SQLite, which one process owns, every write goes through this process: a write forgets everything
/// kept, a read that began before such a write is not kept, and what is kept is current. On PostgreSQL
/// other instances write too: what is kept serves runs only, and the statement that opens a run checks that
/// each version it acted on is still the stored one (``RunJournal``); when one is not, the run reads again.
final class ConfigurationCache: Sendable {
    private struct State {
        /// Counts writes; a read is kept only if none happened while it ran.
        var generation = 0
        var actions: [String: Versioned<StoredAction>] = [:]
        var accounts: [String: Versioned<AccountRecord>] = [:]
        var agents: [String: Versioned<StoredAgent>] = [:]
    }

    /// A record and the version it was read at.
    struct Versioned<Record: Sendable>: Sendable {
        let record: Record
        let version: Int
    }

    private let state = Mutex(State())

    /// The kept action, or reads it with `read` and keeps what it finds.
    func action(_ id: String, read: () async throws -> Versioned<StoredAction>?) async throws -> StoredAction? {
        try await value(\.actions, id, read: read)
    }

    /// The kept account, or reads it with `read` and keeps what it finds.
    func account(_ id: String, read: () async throws -> Versioned<AccountRecord>?) async throws -> AccountRecord? {
        try await value(\.accounts, id, read: read)
    }

    /// The kept agent, or reads it with `read` and keeps what it finds.
    func agent(_ id: String, read: () async throws -> Versioned<StoredAgent>?) async throws -> StoredAgent? {
        try await value(\.agents, id, read: read)
    }

    /// The kept actions among `ids`, and the ids not kept.
    func actions(_ ids: [String]) -> (kept: [StoredAction], missing: [String]) {
        state.withLock { state in
            var kept: [StoredAction] = []
            var missing: [String] = []
            for id in ids {
                if let found = state.actions[id] { kept.append(found.record) } else { missing.append(id) }
            }
            return (kept, missing)
        }
    }

    /// Keeps what a read that began at `generation` found.
    func keep(actions: [Versioned<StoredAction>], readAt generation: Int) {
        state.withLock { state in
            guard state.generation == generation else { return }
            for action in actions { state.actions[action.record.action.id] = action }
        }
    }

    /// Counts writes so far: a read keeps what it found only if this has not moved since it began.
    var generation: Int { state.withLock { $0.generation } }

    /// The versions the kept records were read at, for the ids a run acted on (and the agents whose tools it
    /// is); nil when one of them is no longer kept (a write here forgot it since).
    func versions(actionIds: [String], accountId: String, agentIds: [String] = []) -> ConfigurationVersions? {
        state.withLock { state in
            guard let account = state.accounts[accountId] else { return nil }
            var actions: [String: Int] = [:]
            for id in actionIds {
                guard let action = state.actions[id] else { return nil }
                actions[id] = action.version
            }
            var agents: [String: Int] = [:]
            for id in agentIds {
                guard let agent = state.agents[id] else { return nil }
                agents[id] = agent.version
            }
            return ConfigurationVersions(actions: actions, accountId: accountId, accountVersion: account.version, agents: agents)
        }
    }

    private func value<Record: Sendable>(
        _ records: WritableKeyPath<State, [String: Versioned<Record>]> & Sendable, _ id: String, read: () async throws -> Versioned<Record>?
    ) async throws -> Record? {
        let (kept, generation) = state.withLock { ($0[keyPath: records][id], $0.generation) }
        if let kept { return kept.record }
        let found = try await read()
        if let found { state.withLock { if $0.generation == generation { $0[keyPath: records][id] = found } } }
        return found?.record
    }

    /// Forgets everything kept, after a write to actions, accounts or agents (or when a run found one out of date).
    func forget() {
        state.withLock { state in
            state.generation += 1
            state.actions.removeAll()
            state.accounts.removeAll()
            state.agents.removeAll()
        }
    }
}

/// The versions of the action(s) and account a run acted on, and of the agents whose tools they are, as read.
public struct ConfigurationVersions: Sendable, Hashable {
    public let actions: [String: Int]
    public let accountId: String
    public let accountVersion: Int
    public var agents: [String: Int] = [:]
}
