import ContactSyncCRM
import ContactSyncCore
import ContactSyncStore
import Foundation

extension RunPipeline {
    /// What one batched lookup found: the contacts by email (and by phone, for customers with no email),
    /// with the field metadata beside it.
    struct Looked: Sendable {
        var fields: [CRMField]
        var found: [String: [ContactMatch]]
        var foundByPhone: [String: [ContactMatch]] = [:]
    }

    /// Step 3: one batched lookup of `emails` (and of `phones`, searched beside it), with the field metadata.
    static func lookup(_ emails: [String], phones: [String] = [], connector: any CRMConnector, log: CRMCallLog) async throws -> Looked {
        async let fieldList = connector.contactFields(log: log)
        async let lookups = connector.lookup(emails: emails, log: log)
        async let phoneLookups = phones.isEmpty ? [:] : connector.lookup(phones: phones, log: log)
        let (fields, found, byPhone) = try await (fieldList, lookups, phoneLookups)
        return Looked(fields: fields, found: found, foundByPhone: byPhone)
    }

    /// Step 4: provenance from contact-sync's own records where a decision depends on it (`known` as the pass
    /// opened, else read), and each run's plan from what the lookup found. Dry runs and skips end here.
    func decide(
        _ items: inout [Item], looked lookup: Looked, account: AccountRecord, known: [String: RunJournal.LastContact] = [:], connector: any CRMConnector,
        log: CRMCallLog
    ) async throws {
        let open = items.indices.filter { items[$0].isOpen }
        let (fields, found) = (lookup.fields, lookup.found)
        var looked: [(index: Int, candidates: [ContactMatch])] = []
        // Runs whose email found no contact (or who have none) and whose action matches by phone too.
        var byPhone: [Int] = []
        for index in open {
            let byEmail = items[index].prepared!.email.flatMap { found[$0] } ?? []
            guard let target = items[index].target else {
                if byEmail.isEmpty, items[index].entry.action.match == .emailThenPhone, items[index].prepared?.phone != nil {
                    byPhone.append(index)
                } else {
                    looked.append((index, byEmail))
                }
                continue
            }
            // A follow-up writes to the contact the run it follows chose, even when the email changed since.
            if byEmail.contains(where: { $0.id == target }) {
                looked.append((index, byEmail.filter { $0.id == target }))
                continue
            }
            do {
                items[index].foundBy = .record
                looked.append((index, [try await connector.contact(id: target, log: log)]))
            } catch where error.code == .notFound {
                // The contact was deleted or merged in the CRM since: this run decides afresh by its email, and
                // in full, so that a contact made anew carries all the conversation's values, not only the change.
                items[index].target = nil
                items[index].runsInFull = true
                items[index].foundBy = .email
                items[index].mappings = items[index].entry.action.mappings
                if case .success(let prepared) = prepare(items[index], Self.sources(items[index])) { items[index].prepared = prepared }
                looked.append((index, byEmail))
            } catch {
                // Only this run failed; the rest of the batch goes on.
                items[index].error = error
            }
        }
        if !byPhone.isEmpty {
            // One more round trip, only for these runs: the CRM's own phone search (done already beside the
            // email lookup for customers with no email).
            let wanted = Array(Set(byPhone.compactMap { items[$0].prepared?.phone })).sorted()
            let missing = wanted.filter { lookup.foundByPhone[$0] == nil }
            var phones = lookup.foundByPhone
            if !missing.isEmpty { phones.merge(try await connector.lookup(phones: missing, log: log)) { _, fresh in fresh } }
            for index in byPhone {
                let candidates = items[index].prepared?.phone.flatMap { phones[$0] } ?? []
                if !candidates.isEmpty { items[index].foundBy = .phone }
                looked.append((index, candidates))
            }
        }
        let matches = try await withProvenance(looked, &items, account: account, known: known)
        for (index, candidates) in zip(looked.map(\.index), matches) {
            let action = items[index].entry.action
            let planner = RunPlanner(
                template: items[index].entry.template, mappings: items[index].mappings, allowCreate: action.allowCreate,
                allowUpdateExisting: action.allowUpdateExisting, fields: Dictionary(fields.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first }),
                logAs: action.logAs)
            let plan = planner.plan(items[index].prepared!, matches: candidates, matchedBy: items[index].foundBy)
            items[index].planner = planner
            items[index].plan = plan
            items[index].contactId = plan.existingContactId
            if items[index].run.dryRun || plan.outcome == .skipped {
                var result = Self.result(plan, contactId: plan.existingContactId, noteId: nil, connector: connector)
                result.matchedBy = Self.matchedBy(items[index], found: !candidates.isEmpty)
                items[index].done = succeeded(items[index].run, result)
            }
        }
    }

    /// Marks the matches contact-sync created by its own provenance records. A run whose earlier attempt
    /// sent a create (recorded before sending) also recognises that create whose answer was lost (same
    /// email, created by the same integration since it was sent) and records it, so that it is never created
    /// twice. A contact someone made by hand between attempts, or before a create was ever sent, is not ours.
    /// The records are read only when a decision depends on them: several matches to choose from, or one
    /// whose update only its being ours allows. Recovered records are recorded when the pass closes. A match
    /// that is the contact the customer's lock names (`known`, keyed by customer) was read as the pass opened.
    func withProvenance(
        _ looked: [(index: Int, candidates: [ContactMatch])], _ items: inout [Item], account: AccountRecord, known: [String: RunJournal.LastContact] = [:]
    ) async throws -> [[ContactMatch]] {
        var lastContacts: [Int: RunJournal.LastContact] = [:]
        for (index, _) in looked { lastContacts[index] = items[index].prepared.flatMap { known[$0.customerKey] } }
        let asked = looked.filter { Self.dependsOnProvenance(items[$0.index], $0.candidates) }.flatMap { index, candidates in
            candidates.map(\.id).filter { $0 != lastContacts[index]?.id }
        }
        let ours = try await repositories.runs.createdRecords(accountId: account.id, among: Array(Set(asked)))
        return looked.map { index, matches in
            let run = items[index].run
            let last = lastContacts[index]
            return matches.map { match in
                var match = match
                match.createdByUs = ours.contains(match.id) || (last?.id == match.id && last?.createdByUs == true)
                if !match.createdByUs, !run.dryRun, let sent = run.createSentAt, match.isLostCreate(since: sent) {
                    match.createdByUs = true
                    items[index].created.append(match.id)
                }
                return match
            }
        }
    }

    /// Whether a run's decision depends on which of its matches contact-sync created: it chooses among
    /// several (its own first), or one it may update only as its own (creating allowed, updating not).
    static func dependsOnProvenance(_ item: Item, _ candidates: [ContactMatch]) -> Bool {
        candidates.count > 1 || (candidates.count == 1 && item.entry.action.allowCreate && !item.entry.action.allowUpdateExisting)
    }

    /// How the run's customer was found, as runs report it: by email, by phone, or not at all (a
    /// follow-up's contact, found by its id, counts as not looked for).
    static func matchedBy(_ item: Item, found: Bool) -> ContactFoundBy? {
        found && item.foundBy != .record ? item.foundBy : nil
    }

    /// What a run did, from its plan and the ids the CRM gave.
    static func result(_ plan: RunPlan, contactId: String?, noteId: String?, connector: any CRMConnector) -> RunResult {
        RunResult(
            outcome: plan.outcome, reason: plan.reason, reasonDetail: plan.reasonDetail, crmRecordId: contactId,
            crmRecordURL: contactId.map { connector.recordURL(contactId: $0) }, noteId: noteId, fieldsWritten: plan.fieldsWritten,
            fieldsSkipped: plan.fieldsSkipped, warnings: plan.warnings)
    }
}
