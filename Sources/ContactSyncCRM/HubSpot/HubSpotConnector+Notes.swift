import ContactSyncCore
import Foundation

/// The HubSpot object a conversation is logged as: a note (the seeds) or a Call engagement, each associated
/// with the contact (202: note to contact, 194: call to contact).
struct Engagement: Sendable, Hashable {
    let object: String
    let bodyProperty: String
    let associationTypeId: Int

    static let note = Engagement(object: "notes", bodyProperty: "hs_note_body", associationTypeId: 202)
    static let call = Engagement(object: "calls", bodyProperty: "hs_call_body", associationTypeId: 194)

    static func of(_ kind: NoteWrite.Kind) -> Engagement {
        if case .call = kind { return .call }
        return .note
    }
}

extension HubSpotConnector {
    /// Writes many notes and calls: per object, updates in one batch and creations in another, each creation
    /// carrying its own `objectWriteTraceId` so that every answer is matched to its input (identical texts
    /// included). One result per input, in order; a chunk that fails as a whole fails its inputs alone.
    public func writeNotes(_ notes: [NoteWrite], log: CRMCallLog?) async throws(CRMError) -> [RecordResult] {
        var results = [RecordResult?](repeating: nil, count: notes.count)
        let groups = Dictionary(grouping: notes.indices) { Engagement.of(notes[$0].kind) }
        for (engagement, indices) in groups.sorted(by: { $0.key.object < $1.key.object }) {
            try await write(engagement, indices, notes, into: &results, log: log)
        }
        return results.map { $0! }
    }

    private func write(_ engagement: Engagement, _ indices: [Int], _ notes: [NoteWrite], into results: inout [RecordResult?], log: CRMCallLog?) async throws(CRMError) {
        let updates = indices.filter { notes[$0].existingNoteId != nil }
        for chunk in updates.chunked(into: Self.batchSize) {
            let body = JSONBody.encode(BatchUpdate(inputs: chunk.map { .init(id: notes[$0].existingNoteId!, properties: Self.updatedProperties(notes[$0])) }))
            let outcome: BatchOutcome
            do throws(CRMError) {
                outcome = try await batchWrite("/crm/v3/objects/\(engagement.object)/batch/update", body: body, log: log)
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
        let creations = indices.filter { results[$0] == nil }
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
                        return try await batchWrite("/crm/v3/objects/\(engagement.object)/batch/create", body: body, retrying: false, log: log)
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
                } else if uncertain, let found = try await findNote(notes[index], log: log) {
                    results[index] = .success(found)
                } else {
                    results[index] = .failure(outcome.failure(forTrace: trace))
                }
            }
        }
    }

    /// A note or call on the contact with exactly this text and timestamp (one an unanswered attempt
    /// created). The contact's associations are listed a page at a time and read a batch at a time, never
    /// one call per record.
    public func findNote(_ note: NoteWrite, log: CRMCallLog?) async throws(CRMError) -> String? {
        let engagement = Engagement.of(note.kind)
        let path = "/crm/v4/objects/contacts/\(URLEncoding.component(note.contactId))/associations/\(engagement.object)"
        var ids: [String] = []
        var after: String?
        repeat {
            var query = [("limit", "500")]
            if let after { query.append(("after", after)) }
            let page = try await call(.GET, path, route: "GET /crm/v4/objects/contacts/{id}/associations/\(engagement.object)", query: query, log: log)
                .decode(HubSpotWire.AssociationPage.self)
            ids += page.results.map(\.toObjectId.value)
            after = page.paging?.next?.after
        } while after != nil
        let stamp = Self.noteInput(note).properties["hs_timestamp"]
        for chunk in ids.chunked(into: Self.batchSize) {
            let body = JSONBody.encode(BatchRead(properties: [engagement.bodyProperty, "hs_timestamp"], inputs: chunk.map { .init(id: $0) }))
            let found = try await call(
                .POST, "/crm/v3/objects/\(engagement.object)/batch/read", route: "POST /crm/v3/objects/\(engagement.object)/batch/read", body: body, log: log)
                .decode(HubSpotWire.BatchResponse.self)
            if let match = found.results.first(where: { $0.property(engagement.bodyProperty) == note.text && $0.property("hs_timestamp") == stamp }) {
                return match.id
            }
        }
        return nil
    }

    /// A new note or call: its body, timestamp and (for a call) what is known of the call, associated with the contact.
    static func noteInput(_ note: NoteWrite) -> ObjectInput {
        let engagement = Engagement.of(note.kind)
        var properties = [engagement.bodyProperty: note.text, "hs_timestamp": stamp(note.timestamp)]
        if case .call(let facts) = note.kind {
            properties["hs_call_status"] = "COMPLETED"
            properties["hs_call_title"] = "Call summary"
            if let direction = facts.direction { properties["hs_call_direction"] = direction.uppercased() }
            if let seconds = facts.durationSeconds { properties["hs_call_duration"] = String(seconds * 1000) }
            if let from = facts.from { properties["hs_call_from_number"] = from }
            if let to = facts.to { properties["hs_call_to_number"] = to }
            if let started = facts.startedAt { properties["hs_timestamp"] = stamp(started) }
        }
        return ObjectInput(properties: properties, associations: [NoteAssociation(contactId: note.contactId, typeId: engagement.associationTypeId)])
    }

    /// What a later run changes: the body (the summary), and what is known of the call by then.
    static func updatedProperties(_ note: NoteWrite) -> [String: String] {
        var properties = noteInput(note).properties
        properties["hs_timestamp"] = nil
        return properties
    }

    /// Note timestamps to the millisecond, as HubSpot echoes them.
    static func stamp(_ date: Date) -> String {
        Date.ISO8601FormatStyle(includingFractionalSeconds: true).format(date)
    }
}
