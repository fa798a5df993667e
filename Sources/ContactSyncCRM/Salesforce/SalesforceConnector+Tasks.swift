import ContactSyncCore
import Foundation

extension SalesforceConnector {
    /// Writes the conversation's Tasks (subtype Call, on the contact, `Completed`): updates through one sObject
    /// Collections call, creations through another (200 each), a Task deleted since recreated. Salesforce keeps
    /// the summary in a field otherwise: only tasks are written here. One result per input, in order.
    public func writeNotes(_ notes: [NoteWrite], log: CRMCallLog?) async throws(CRMError) -> [RecordResult] {
        var results = [RecordResult?](repeating: nil, count: notes.count)
        for index in notes.indices {
            guard case .task = notes[index].kind else {
                results[index] = .failure(CRMError(.misconfigured, "Salesforce keeps the summary in a field; only tasks are written as activities."))
                continue
            }
        }
        let updates = notes.indices.filter { results[$0] == nil && notes[$0].existingNoteId != nil }
        for chunk in updates.chunked(into: Self.collectionSize) {
            let body = JSONBody.encode(CollectionBody(records: chunk.map { Self.taskBody(notes[$0], id: notes[$0].existingNoteId) }))
            do throws(CRMError) {
                let answer = try await call(.PATCH, "/composite/sobjects", route: "PATCH /composite/sobjects", body: body, log: log)
                    .decode([SalesforceWire.SaveResult].self)
                for (index, saved) in zip(chunk, answer) {
                    let result = Self.result(saved)
                    if case .failure(let error) = result, ["ENTITY_IS_DELETED", "NOT_FOUND", "INVALID_CROSS_REFERENCE_KEY"].contains(error.crmCode ?? "") {
                        continue  // Deleted in Salesforce since: created again below.
                    }
                    results[index] = result.map { _ in notes[index].existingNoteId! }
                }
            } catch {
                for index in chunk { results[index] = .failure(error) }
            }
        }
        let creations = notes.indices.filter { results[$0] == nil }
        for chunk in creations.chunked(into: Self.collectionSize) {
            var uncertain = false
            var recovered: [Int: String] = [:]
            let outcome: [SalesforceWire.SaveResult]
            do throws(CRMError) {
                outcome = try await settings.retry.run(observer: settings.observer) { _ throws(CRMError) in
                    // After an attempt that may have gone through unseen, a task it made is found by its subject.
                    if uncertain {
                        for index in chunk where recovered[index] == nil {
                            if let found = try await findNote(notes[index], log: log) { recovered[index] = found }
                        }
                    }
                    let remaining = chunk.filter { recovered[$0] == nil }
                    guard !remaining.isEmpty else { return [] }
                    do throws(CRMError) {
                        let body = JSONBody.encode(CollectionBody(records: remaining.map { Self.taskBody(notes[$0], id: nil) }))
                        return try await call(.POST, "/composite/sobjects", route: "POST /composite/sobjects", body: body, retrying: false, log: log)
                            .decode([SalesforceWire.SaveResult].self)
                    } catch {
                        uncertain = uncertain || error.isAmbiguous
                        throw error
                    }
                }
            } catch {
                for index in chunk where recovered[index] == nil { results[index] = .failure(error) }
                for (index, id) in recovered { results[index] = .success(id) }
                continue
            }
            var answers = outcome.makeIterator()
            for index in chunk {
                if let id = recovered[index] {
                    results[index] = .success(id)
                } else if let answer = answers.next() {
                    results[index] = Self.result(answer)
                } else {
                    results[index] = .failure(CRMError(.invalidResponse, "Salesforce returned fewer results than records."))
                }
            }
        }
        return results.map { $0! }
    }

    /// The tasks `notes` describe, made by earlier attempts, by the notes' positions: one query per task (a
    /// summary kept in a field has no activity to find).
    public func findNotes(_ notes: [NoteWrite], log: CRMCallLog?) async throws(CRMError) -> [Int: String] {
        var found: [Int: String] = [:]
        for index in notes.indices { found[index] = try await findNote(notes[index], log: log) }
        return found
    }

    /// The task `note` describes, made by an earlier attempt: on the same contact, with its subject.
    func findNote(_ note: NoteWrite, log: CRMCallLog?) async throws(CRMError) -> String? {
        guard case .task(_, let subject) = note.kind else { return nil }
        let soql = "SELECT Id FROM Task WHERE WhoId = \(SOQLLiteral.quote(note.contactId)) AND Subject = \(SOQLLiteral.quote(subject)) ORDER BY CreatedDate ASC LIMIT 1"
        return try await call(.GET, "/query", route: "GET /query", query: [("q", soql)], log: log).decode(SalesforceWire.IdResult.self).records.first?.Id
    }

    /// A Task for the call: subtype Call, `Completed`, on the contact, the summary as its description, with
    /// what is known of the call. An update sends only what may change (the subtype is set on create only).
    static func taskBody(_ note: NoteWrite, id: String?) -> SObjectBody {
        guard case .task(let facts, let subject) = note.kind else { return SObjectBody(fields: [:]) }
        var fields = ["Description": note.text, "Status": "Completed", "Subject": subject]
        var integers: [String: Int] = [:]
        if id == nil {
            fields["WhoId"] = note.contactId
            fields["TaskSubtype"] = "Call"
        }
        let day = facts.startedAt ?? note.timestamp
        fields["ActivityDate"] = day.formatted(.iso8601.year().month().day().dateSeparator(.dash))
        if let direction = facts.direction { fields["CallType"] = direction.lowercased() == "outbound" ? "Outbound" : "Inbound" }
        if let seconds = facts.durationSeconds { integers["CallDurationInSeconds"] = seconds }
        return SObjectBody(fields: fields, id: id, typed: true, type: "Task", integers: integers)
    }
}
