import Foundation

extension HubSpotConnector {
    /// Writes one conversation note: updates `existingNoteId` when given (and still there), else creates a
    /// note associated with the contact (type 202). Returns the note id.
    public func writeNote(_ note: NoteWrite, log: CRMCallLog?) async throws(CRMError) -> String {
        if let existing = note.existingNoteId {
            do throws(CRMError) {
                let body = JSONBody.encode(ObjectInput(properties: ["hs_note_body": note.text], associations: nil))
                _ = try await call(.PATCH, "/crm/v3/objects/notes/\(URLEncoding.component(existing))", route: "PATCH /crm/v3/objects/notes/{id}", body: body, log: log)
                return existing
            } catch where error.code == .notFound {
                // Deleted in HubSpot since: write a new one.
            }
        }
        var uncertain = false
        return try await settings.retry.run(observer: settings.observer) { _ throws(CRMError) in
            if uncertain, let found = try await findNote(on: note.contactId, text: note.text, timestamp: note.timestamp, log: log) {
                return found
            }
            do throws(CRMError) {
                let body = JSONBody.encode(Self.noteInput(note))
                return try await call(.POST, "/crm/v3/objects/notes", route: "POST /crm/v3/objects/notes", body: body, retrying: false, log: log)
                    .decode(HubSpotWire.Object.self).id
            } catch {
                uncertain = uncertain || error.isAmbiguous
                throw error
            }
        }
    }

    /// Writes many notes: updates in one batch, creations in another, each creation carrying its own
    /// `objectWriteTraceId` so that every answer is matched to its input (identical texts included). One
    /// result per input, in order; a chunk that fails as a whole fails its inputs alone.
    public func writeNotes(_ notes: [NoteWrite], log: CRMCallLog?) async throws(CRMError) -> [RecordResult] {
        var results = [RecordResult?](repeating: nil, count: notes.count)
        let updates = notes.indices.filter { notes[$0].existingNoteId != nil }
        for chunk in updates.chunked(into: Self.batchSize) {
            let body = JSONBody.encode(BatchUpdate(inputs: chunk.map { .init(id: notes[$0].existingNoteId!, properties: ["hs_note_body": notes[$0].text]) }))
            let outcome: BatchOutcome
            do throws(CRMError) {
                outcome = try await batchWrite("/crm/v3/objects/notes/batch/update", body: body, log: log)
            } catch {
                for index in chunk { results[index] = .failure(error) }
                continue
            }
            let updated = Set(outcome.results.map(\.id))
            for index in chunk {
                let id = notes[index].existingNoteId!
                let failure = outcome.failure(forId: id)
                if updated.contains(id) {
                    results[index] = .success(id)
                } else if failure.code != .notFound {
                    results[index] = .failure(failure)
                }
            }
        }
        let creations = notes.indices.filter { results[$0] == nil }
        for chunk in creations.chunked(into: Self.batchSize) {
            let body = JSONBody.encode(BatchCreate(inputs: chunk.map { index in
                let input = Self.noteInput(notes[index])
                return .init(properties: input.properties, associations: input.associations ?? [], objectWriteTraceId: String(index))
            }))
            var uncertain = false
            let outcome: BatchOutcome
            do throws(CRMError) {
                outcome = try await settings.retry.run(observer: settings.observer) { _ throws(CRMError) in
                    do throws(CRMError) {
                        return try await batchWrite("/crm/v3/objects/notes/batch/create", body: body, retrying: false, log: log)
                    } catch {
                        uncertain = uncertain || error.isAmbiguous
                        throw error
                    }
                }
            } catch {
                for index in chunk { results[index] = .failure(error) }
                continue
            }
            for index in chunk {
                let trace = String(index)
                if let created = outcome.results.first(where: { $0.objectWriteTraceId == trace }) {
                    results[index] = .success(created.id)
                } else if uncertain, let found = try await findNote(on: notes[index].contactId, text: notes[index].text, timestamp: notes[index].timestamp, log: log) {
                    results[index] = .success(found)
                } else {
                    results[index] = .failure(outcome.failure(forTrace: trace))
                }
            }
        }
        return results.map { $0! }
    }

    /// A note on the contact with exactly this text and timestamp (one an unanswered attempt created). The
    /// contact's notes are listed a page of associations at a time and read a batch at a time, never one
    /// call per note.
    public func findNote(on contactId: String, text: String, timestamp: Date, log: CRMCallLog?) async throws(CRMError) -> String? {
        let path = "/crm/v4/objects/contacts/\(URLEncoding.component(contactId))/associations/notes"
        var ids: [String] = []
        var after: String?
        repeat {
            var query = [("limit", "500")]
            if let after { query.append(("after", after)) }
            let page = try await call(.GET, path, route: "GET /crm/v4/objects/contacts/{id}/associations/notes", query: query, log: log)
                .decode(HubSpotWire.AssociationPage.self)
            ids += page.results.map(\.toObjectId.value)
            after = page.paging?.next?.after
        } while after != nil
        let stamp = Self.stamp(timestamp)
        for chunk in ids.chunked(into: Self.batchSize) {
            let body = JSONBody.encode(BatchRead(properties: ["hs_note_body", "hs_timestamp"], inputs: chunk.map { .init(id: $0) }))
            let notes = try await call(.POST, "/crm/v3/objects/notes/batch/read", route: "POST /crm/v3/objects/notes/batch/read", body: body, log: log)
                .decode(HubSpotWire.BatchResponse.self)
            if let note = notes.results.first(where: { $0.property("hs_note_body") == text && $0.property("hs_timestamp") == stamp }) { return note.id }
        }
        return nil
    }

    static func noteInput(_ note: NoteWrite) -> ObjectInput {
        ObjectInput(
            properties: ["hs_note_body": note.text, "hs_timestamp": stamp(note.timestamp)],
            associations: [NoteAssociation(contactId: note.contactId)])
    }

    /// Note timestamps to the millisecond, as HubSpot echoes them.
    static func stamp(_ date: Date) -> String {
        Date.ISO8601FormatStyle(includingFractionalSeconds: true).format(date)
    }
}
