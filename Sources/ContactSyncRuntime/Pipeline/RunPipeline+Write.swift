import ContactSyncCRM
import ContactSyncCore
import ContactSyncStore
import Foundation

extension RunPipeline {
    /// Step 5 and the writes of step 4, batched: creates, updates and notes on known contacts at once, then
    /// notes on the contacts just created. A create that meets an existing contact is decided again with
    /// that contact and written in a second round. The records created are recorded as the pass closes.
    func write(_ items: inout [Item], account: AccountRecord, connector: any CRMConnector, mayWrite: @Sendable () -> Bool, log: CRMCallLog) async throws {
        var round = items.indices.filter { items[$0].isOpen }
        guard !round.isEmpty else { return }
        var saved: [ActionConversation: StoredNote] = [:]
        for pass in 1...2 {
            guard mayWrite() else {
                for index in round { items[index].done = .deferred(items[index].run, until: nil) }
                break
            }
            // A contact about to be created can have no note yet: only runs on existing contacts look theirs up.
            let stored = try await repositories.contacts.notes(round.filter { items[$0].contactId != nil }.compactMap { noteKey(items[$0]) })
            let conflicts = try await writeRound(round, &items, account: account, connector: connector, stored: stored, saved: &saved, log: log)
            guard !conflicts.isEmpty else { break }
            guard pass == 1 else {
                for index in conflicts { items[index].error = CRMError(.crmRejected, "The CRM reports the contact exists, yet its lookup finds none.") }
                break
            }
            round = try await replan(conflicts, &items, account: account, connector: connector, log: log)
        }
        try await repositories.contacts.saveNotes(saved, now: now())
        for index in items.indices where items[index].isOpen {
            var result = Self.result(items[index].plan!, contactId: items[index].contactId, noteId: items[index].noteId, connector: connector)
            result.matchedBy = Self.matchedBy(items[index], found: items[index].plan?.existingContactId != nil)
            // A call or task is the activity; `noteId` names notes only.
            if case .note = Self.activity(items[index]) {} else {
                result.activityId = result.noteId
                result.noteId = nil
            }
            items[index].done = succeeded(items[index].run, result)
        }
    }

    /// One round of writes. Returns the runs whose create met an existing contact.
    private func writeRound(
        _ round: [Int], _ items: inout [Item], account: AccountRecord, connector: any CRMConnector, stored: [ActionConversation: StoredNote],
        saved: inout [ActionConversation: StoredNote], log: CRMCallLog
    ) async throws -> [Int] {
        let creates = round.filter { if case .create = items[$0].plan?.write { true } else { false } }
        let updates = round.filter { if case .update = items[$0].plan?.write { true } else { false } }
        let knownNotes = round.filter { !creates.contains($0) && items[$0].plan?.note != nil && items[$0].contactId != nil }
        let createInputs = creates.map { items[$0].plan!.write!.properties }
        // Recorded before sending (while the lookup was under way, for a run marked early): only a run that sent a
        // create may later take a contact for its lost answer.
        let sending = creates.filter { !items[$0].run.dryRun }
        try await repositories.runs.recordCreatesSent(runIds: sending.filter { !items[$0].markedEarly }.map { items[$0].run.id }, now: now())
        for index in sending { items[index].sentCreate = true }
        let updateInputs = updates.map { (id: items[$0].contactId!, properties: items[$0].plan!.write!.properties) }
        let noteInputs = try await noteWrites(knownNotes, items, stored: stored, connector: connector, log: log)
        async let created = Self.perRecord(createInputs.count) { () async throws(CRMError) in try await connector.createContacts(createInputs, log: log) }
        async let updated = Self.perRecord(updateInputs.count) { () async throws(CRMError) in try await connector.updateContacts(updateInputs, log: log) }
        async let noted = Self.perRecord(noteInputs.count) { () async throws(CRMError) in try await connector.writeNotes(noteInputs, log: log) }
        let (createResults, updateResults, noteResults) = await (created, updated, noted)

        var conflicts: [Int] = []
        for (index, result) in zip(creates, createResults) {
            switch result {
            case .success(let id):
                items[index].contactId = id
                items[index].recordURL = connector.recordURL(contactId: id)
                items[index].contactWritten = true
                // Recorded when the pass closes; a crash before then is covered by the create recorded as sent.
                items[index].created.append(id)
            case .failure(let error) where error.code == .contactExists:
                items[index].conflictId = error.existingId
                conflicts.append(index)
            case .failure(let error):
                items[index].error = error
            }
        }
        for (index, result) in zip(updates, updateResults) {
            switch result {
            case .success:
                items[index].contactWritten = true
                items[index].recordURL = connector.recordURL(contactId: items[index].contactId!)
            case .failure(let error):
                items[index].error = error
            }
        }
        apply(noteResults, to: knownNotes, &items, saved: &saved)
        let newNotes = creates.filter { items[$0].isOpen && items[$0].contactWritten && items[$0].plan?.note != nil }
        let newInputs = try await noteWrites(newNotes, items, stored: stored, connector: connector, log: log)
        apply(await Self.perRecord(newInputs.count) { () async throws(CRMError) in try await connector.writeNotes(newInputs, log: log) }, to: newNotes, &items, saved: &saved)
        return conflicts
    }

    /// Decides again, with the contact they met, the runs whose create found the contact existing.
    /// Returns those that still have something to write.
    private func replan(_ conflicts: [Int], _ items: inout [Item], account: AccountRecord, connector: any CRMConnector, log: CRMCallLog) async throws -> [Int] {
        var candidates: [Int: [ContactMatch]] = [:]
        var failed: Set<Int> = []
        for index in conflicts {
            guard let id = items[index].conflictId else { continue }
            do {
                candidates[index] = [try await connector.contact(id: id, log: log)]
            } catch where error.code == .notFound {
                // Gone since the CRM named it (deleted or merged): this run looks its email up instead.
            } catch {
                items[index].error = error
                failed.insert(index)
            }
        }
        let conflicts = conflicts.filter { !failed.contains($0) }
        let unnamed = conflicts.filter { candidates[$0] == nil }
        if !unnamed.isEmpty {
            let found = try await connector.lookup(emails: unnamed.compactMap { items[$0].prepared?.email }, log: log)
            for index in unnamed { candidates[index] = items[index].prepared?.email.flatMap { found[$0] } ?? [] }
        }
        let marked = try await withProvenance(conflicts.map { ($0, candidates[$0] ?? []) }, &items, account: account)
        var next: [Int] = []
        for (index, matches) in zip(conflicts, marked) {
            items[index].foundBy = .email
            let plan = items[index].planner!.plan(items[index].prepared!, matches: matches)
            items[index].plan = plan
            items[index].contactId = plan.existingContactId
            if plan.outcome == .skipped {
                items[index].done = succeeded(items[index].run, Self.result(plan, contactId: plan.existingContactId, noteId: nil, connector: connector))
            } else {
                next.append(index)
            }
        }
        return next
    }

    /// The note writes of these runs: each updates the note of its action and conversation when there is
    /// one on the same contact; a run tried before first looks for the note an unanswered attempt wrote.
    private func noteWrites(_ indices: [Int], _ items: [Item], stored: [ActionConversation: StoredNote], connector: any CRMConnector, log: CRMCallLog) async throws -> [NoteWrite] {
        var writes: [NoteWrite] = indices.map { index in
            let item = items[index]
            let contactId = item.contactId!, text = item.plan!.note!
            var write = NoteWrite(contactId: contactId, text: text, existingNoteId: nil, timestamp: item.run.createdAt, kind: Self.activity(item))
            write.existingNoteId = noteKey(item).flatMap { stored[$0] }.flatMap { $0.contactId == contactId ? $0.noteId : nil }
            return write
        }
        // Looked for all at once: a batch tried again after its process died may hold a hundred of them.
        let unknown = writes.indices.filter { writes[$0].existingNoteId == nil && items[indices[$0]].run.attempts > 1 }
        if !unknown.isEmpty {
            for (position, id) in try await connector.findNotes(unknown.map { writes[$0] }, log: log) { writes[unknown[position]].existingNoteId = id }
        }
        return writes
    }

    private func apply(_ results: [RecordResult], to indices: [Int], _ items: inout [Item], saved: inout [ActionConversation: StoredNote]) {
        for (index, result) in zip(indices, results) {
            switch result {
            case .success(let noteId):
                items[index].noteId = noteId
                if let key = noteKey(items[index]) { saved[key] = StoredNote(noteId: noteId, contactId: items[index].contactId!) }
            case .failure(let error):
                if items[index].error == nil { items[index].error = error }
            }
        }
    }

    /// What the run's summary is logged as: the action's choice, with what is known of the call.
    static func activity(_ item: Item) -> NoteWrite.Kind {
        let facts = item.entry.conversation?.call ?? CallFacts()
        switch item.entry.action.logAs ?? .standard(for: item.entry.template.crm) {
        case .call: return .call(facts)
        case .task: return .task(facts, subject: "Call summary · \(item.run.conversationId ?? item.run.id)")
        case .note, .summaryField: return .note
        }
    }

    /// The note of a run's action and conversation (runs without a conversation have none to reuse).
    func noteKey(_ item: Item) -> ActionConversation? {
        guard item.plan?.note != nil, let conversationId = item.run.conversationId else { return nil }
        return ActionConversation(actionId: item.entry.action.id, conversationId: conversationId)
    }

    /// A batch call's results, or its error for each of its `count` inputs.
    static func perRecord(_ count: Int, _ body: () async throws(CRMError) -> [RecordResult]) async -> [RecordResult] {
        guard count > 0 else { return [] }
        do throws(CRMError) {
            return try await body()
        } catch {
            return Array(repeating: .failure(error), count: count)
        }
    }
}
