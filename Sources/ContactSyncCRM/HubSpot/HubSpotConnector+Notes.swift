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
            await write(engagement, indices, notes, into: &results, log: log)
        }
        return results.map { $0! }
    }

    private func write(_ engagement: Engagement, _ indices: [Int], _ notes: [NoteWrite], into results: inout [RecordResult?], log: CRMCallLog?) async {
        let updates = indices.filter { notes[$0].existingNoteId != nil }
        for chunk in await ChunkedWrite.inOrder(updates.chunked(into: Self.batchSize), { chunk in await update(engagement, chunk, notes, log: log) }) {
            for (index, result) in chunk { results[index] = result }
        }
        let creations = indices.filter { results[$0] == nil }
        for chunk in await ChunkedWrite.inOrder(creations.chunked(into: Self.batchSize), { chunk in await create(engagement, chunk, notes, log: log) }) {
            for (index, result) in chunk { results[index] = result }
        }
    }

    /// One batch update of notes or calls: each input's result, or none for one deleted since (to be created again).
    private func update(_ engagement: Engagement, _ chunk: ArraySlice<Int>, _ notes: [NoteWrite], log: CRMCallLog?) async -> [(Int, RecordResult)] {
        let body = JSONBody.encode(BatchUpdate(inputs: chunk.map { .init(id: notes[$0].existingNoteId!, properties: Self.updatedProperties(notes[$0])) }))
        let outcome: BatchOutcome
        do throws(CRMError) {
            outcome = try await batchWrite("/crm/v3/objects/\(engagement.object)/batch/update", body: body, log: log)
        } catch {
            return chunk.map { ($0, .failure(error)) }
        }
        let updated = Set(outcome.results.map(\.id))
        return chunk.compactMap { index in
            let id = notes[index].existingNoteId!
            let failure = outcome.failure(forId: id)
            if updated.contains(id) { return (index, .success(id)) }
            return failure.code == .notFound ? nil : (index, .failure(failure))
        }
    }

    /// One batch create of notes or calls, matched to their inputs by trace id. Before an attempt that follows
    /// one that may have gone through unseen, each note is looked for on its contact, and only those not
    /// found are sent again: notes have no unique key that would refuse a second copy.
    private func create(_ engagement: Engagement, _ chunk: ArraySlice<Int>, _ notes: [NoteWrite], log: CRMCallLog?) async -> [(Int, RecordResult)] {
        var uncertain = false
        var recovered: [Int: String] = [:]
        let outcome: BatchOutcome?
        do throws(CRMError) {
            outcome = try await settings.retry.run(observer: settings.observer) { _ throws(CRMError) -> BatchOutcome? in
                if uncertain {
                    let missing = chunk.filter { recovered[$0] == nil }
                    for (position, id) in try await findNotes(missing.map { notes[$0] }, log: log) { recovered[missing[position]] = id }
                }
                let remaining = chunk.filter { recovered[$0] == nil }
                guard !remaining.isEmpty else { return nil }
                let body = JSONBody.encode(BatchCreate(inputs: remaining.map { index in
                    let input = Self.noteInput(notes[index])
                    return .init(properties: input.properties, associations: input.associations ?? [], objectWriteTraceId: String(index))
                }))
                do throws(CRMError) {
                    return try await batchWrite("/crm/v3/objects/\(engagement.object)/batch/create", body: body, retrying: false, log: log)
                } catch {
                    uncertain = uncertain || error.isAmbiguous
                    throw error
                }
            }
        } catch {
            return chunk.map { index in (index, recovered[index].map { .success($0) } ?? .failure(error)) }
        }
        return chunk.map { index in
            let trace = String(index)
            if let id = recovered[index] { return (index, .success(id)) }
            if let created = outcome?.written(trace: trace) { return (index, .success(created)) }
            return (index, .failure(outcome?.failure(forTrace: trace) ?? CRMError(.invalidResponse, "HubSpot reported no result for this input.")))
        }
    }

    /// The most records one v4 association batch read asks about (HubSpot's limit).
    static let associationBatchLimit = 1_000

    /// Notes or calls with exactly these texts and timestamps on these contacts (ones an unanswered attempt
    /// created), by the notes' positions. Per kind of activity, the contacts' associations are read in one
    /// batch (more only past 1,000 contacts, or for a contact's further pages) and the records they name a
    /// batch of 100 at a time: never one call per contact or record. Each record found answers one note.
    public func findNotes(_ notes: [NoteWrite], log: CRMCallLog?) async throws(CRMError) -> [Int: String] {
        var found: [Int: String] = [:]
        for (engagement, indices) in Dictionary(grouping: notes.indices, by: { Engagement.of(notes[$0].kind) }).sorted(by: { $0.key.object < $1.key.object }) {
            let associated = try await associations(of: Array(Set(indices.map { notes[$0].contactId })).sorted(), to: engagement, log: log)
            var records: [String: HubSpotWire.Object] = [:]
            for chunk in Array(Set(associated.values.joined())).sorted().chunked(into: Self.batchSize) {
                let body = JSONBody.encode(BatchRead(properties: [engagement.bodyProperty, "hs_timestamp"], inputs: chunk.map { .init(id: $0) }))
                let read = try await call(
                    .POST, "/crm/v3/objects/\(engagement.object)/batch/read", route: "POST /crm/v3/objects/\(engagement.object)/batch/read", body: body, log: log)
                    .decode(HubSpotWire.BatchResponse.self)
                for record in read.results { records[record.id] = record }
            }
            var taken: Set<String> = []
            for index in indices {
                let stamp = Self.noteInput(notes[index]).properties["hs_timestamp"]
                let match = associated[notes[index].contactId, default: []].first { id in
                    guard !taken.contains(id), let record = records[id] else { return false }
                    return record.property(engagement.bodyProperty) == notes[index].text && record.property("hs_timestamp") == stamp
                }
                if let match {
                    taken.insert(match)
                    found[index] = match
                }
            }
        }
        return found
    }

    /// The records of `engagement`'s kind associated with each contact, every page of them, through v4
    /// association batch reads. A contact with none, or not found, has none.
    private func associations(of contactIds: [String], to engagement: Engagement, log: CRMCallLog?) async throws(CRMError) -> [String: [String]] {
        struct Input: Encodable {
            let id: String
            var after: String?
        }
        let path = "/crm/v4/associations/contacts/\(engagement.object)/batch/read"
        var associated: [String: [String]] = [:]
        var pending = contactIds.map { Input(id: $0) }
        while !pending.isEmpty {
            var next: [Input] = []
            for chunk in pending.chunked(into: Self.associationBatchLimit) {
                let read = try await call(.POST, path, route: "POST \(path)", body: JSONBody.encode(["inputs": Array(chunk)]), log: log)
                    .decode(HubSpotWire.AssociationBatch.self)
                for result in read.results {
                    associated[result.from.id.value, default: []] += result.to.map(\.toObjectId.value)
                    if let after = result.paging?.next?.after { next.append(Input(id: result.from.id.value, after: after)) }
                }
            }
            pending = next
        }
        return associated
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

