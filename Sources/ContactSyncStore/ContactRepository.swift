import ContactSyncCore
import Foundation
import SQLKit

/// What contact-sync knows of CRM contacts: the attributes remembered per customer and scope, which records it created (provenance), and the note of each action and conversation.
public struct ContactRepository: Repository {
    let store: Store

    public init(_ store: Store) { self.store = store }
}

extension ContactRepository {
    /// Remembered contact attributes for many customers, by email, as every agent's runs see them (customers
    /// without any are left out).
    public func contactAttributes(emails: [String]) async throws -> [String: [String: String]] {
        let found = try await contactAttributes(Set(emails.map { RememberedFor(email: $0, scope: RememberedFor.everyone) }))
        return Dictionary(uniqueKeysWithValues: found.map { ($0.key.email, $0.value) })
    }

    /// Remembered contact attributes as each scope sees them: what was remembered for everyone and for that
    /// scope, the later value of a field winning. One statement for the whole batch.
    public func contactAttributes(_ wanted: Set<RememberedFor>) async throws -> [RememberedFor: [String: String]] {
        guard !wanted.isEmpty else { return [:] }
        let scopes = Array(Set(wanted.map(\.scope) + [RememberedFor.everyone]))
        var rows: [String: [(scope: String, field: String, value: String, at: Double)]] = [:]
        let query: SQLQueryString = "SELECT scope, email, field_key, value, updated_at FROM contact_attributes WHERE email IN (\(binds: Array(Set(wanted.map(\.email))))) AND scope IN (\(binds: scopes))"
        for row in try await database.raw(query).all() {
            rows[try row.decode(column: "email", as: String.self), default: []].append((
                try row.decode(column: "scope", as: String.self), try row.decode(column: "field_key", as: String.self),
                try row.decode(column: "value", as: String.self), try row.decode(column: "updated_at", as: Double.self)))
        }
        var result: [RememberedFor: [String: String]] = [:]
        for key in wanted {
            var latest: [String: (value: String, at: Double)] = [:]
            for row in rows[key.email] ?? [] where row.scope == RememberedFor.everyone || row.scope == key.scope {
                if let known = latest[row.field], known.at > row.at { continue }
                latest[row.field] = (row.value, row.at)
            }
            if !latest.isEmpty { result[key] = latest.mapValues(\.value) }
        }
        return result
    }

    /// Remembers values for many customers (by normalised email) for every agent's runs; later values replace
    /// earlier ones.
    public func rememberContactAttributes(_ byEmail: [String: [String: String]], now: Date) async throws {
        try await rememberContactAttributes(
            Dictionary(uniqueKeysWithValues: byEmail.map { (RememberedFor(email: $0.key, scope: RememberedFor.everyone), $0.value) }), now: now)
    }

    /// Remembers values for many customers, each in its scope; later values replace earlier ones. A value
    /// that is already remembered is left as it is (no write), so `updated_at` is when it last changed.
    public func rememberContactAttributes(_ values: [RememberedFor: [String: String]], now: Date) async throws {
        guard let query = Self.remembering(values, now: now) else { return }
        try await database.raw(query).run()
    }

    /// The statement that remembers values, or nil when there are none.
    static func remembering(_ values: [RememberedFor: [String: String]], now: Date) -> SQLQueryString? {
        let rows = rememberedRows(values)
        guard !rows.isEmpty else { return nil }
        var query = SQLQueryString("INSERT INTO contact_attributes (scope, email, field_key, value, updated_at) VALUES ")
        for (index, row) in rows.enumerated() {
            if index > 0 { query += ", " }
            query += "(\(bind: row.0), \(bind: row.1), \(bind: row.2), \(bind: row.3), \(bind: Store.stamp(now)))"
        }
        return query + " ON CONFLICT (scope, email, field_key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at"
            + " WHERE contact_attributes.value <> excluded.value"
    }

    /// The values to remember as rows (scope, email, field, value), in the order they are written.
    static func rememberedRows(_ values: [RememberedFor: [String: String]]) -> [(String, String, String, String)] {
        values.sorted { ($0.key.scope, $0.key.email) < ($1.key.scope, $1.key.email) }.flatMap { key, values in
            values.sorted { $0.key < $1.key }.map { (key.scope, key.email, $0.key, $0.value) }
        }
    }

    /// Records that contact-sync created these records in the account, each by its run.
    public func recordProvenance(accountId: String, records: [(recordId: String, runId: String)], now: Date) async throws {
        guard let query = Self.recording(accountId: accountId, records, now: now) else { return }
        try await database.raw(query).run()
    }

    /// The statement that records provenance, or nil when there is none to record.
    static func recording(accountId: String, _ records: [(recordId: String, runId: String)], now: Date) -> SQLQueryString? {
        guard !records.isEmpty else { return nil }
        var query = SQLQueryString("INSERT INTO provenance (account_id, crm_record_id, run_id, created_at) VALUES ")
        for (index, record) in records.enumerated() {
            if index > 0 { query += ", " }
            query += "(\(bind: accountId), \(bind: record.recordId), \(bind: record.runId), \(bind: Store.stamp(now)))"
        }
        return query + " ON CONFLICT (account_id, crm_record_id) DO NOTHING"
    }

    /// The notes written for these actions and conversations.
    public func notes(_ keys: [ActionConversation]) async throws -> [ActionConversation: StoredNote] {
        guard !keys.isEmpty else { return [:] }
        let wanted = Set(keys)
        var result: [ActionConversation: StoredNote] = [:]
        let rows = try await database.raw(
            "SELECT action_id, conversation_id, note_id, contact_id FROM notes WHERE conversation_id IN (\(binds: Array(Set(keys.map(\.conversationId)))))"
        ).all()
        for row in rows {
            let key = ActionConversation(actionId: try row.decode(column: "action_id", as: String.self), conversationId: try row.decode(column: "conversation_id", as: String.self))
            guard wanted.contains(key) else { continue }
            result[key] = StoredNote(noteId: try row.decode(column: "note_id", as: String.self), contactId: try row.decode(column: "contact_id", as: String.self))
        }
        return result
    }

    /// Saves the notes written for actions and conversations (replacing earlier ones).
    public func saveNotes(_ notes: [ActionConversation: StoredNote], now: Date) async throws {
        guard !notes.isEmpty else { return }
        var query = SQLQueryString("INSERT INTO notes (action_id, conversation_id, note_id, contact_id, updated_at) VALUES ")
        for (index, (key, note)) in notes.enumerated() {
            if index > 0 { query += ", " }
            query += "(\(bind: key.actionId), \(bind: key.conversationId), \(bind: note.noteId), \(bind: note.contactId), \(bind: Store.stamp(now)))"
        }
        query = query + " ON CONFLICT (action_id, conversation_id) DO UPDATE SET note_id = excluded.note_id, contact_id = excluded.contact_id, updated_at = excluded.updated_at"
        try await database.raw(query).run()
    }

    /// Remembers values for a customer (by normalised email) in a scope; later values replace earlier ones.
    public func rememberContactAttributes(email: String, scope: String, _ values: [String: String], now: Date) async throws {
        try await rememberContactAttributes([RememberedFor(email: email, scope: scope): values], now: now)
    }
}
