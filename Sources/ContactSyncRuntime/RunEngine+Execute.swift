import ContactSyncCRM
import ContactSyncCore
import ContactSyncStore
import Foundation

extension RunEngine {
    /// Why a run stopped, before it becomes the run's recorded failure.
    struct Stop: Error {
        let failure: RunFailure
        let waitForAccount: Bool
    }

    /// Carries a run out and returns it finished. Never throws: every failure is recorded in the run.
    func execute(_ run: RunRecord, action: Action, template: Template, conversation: Conversation?) async -> RunRecord {
        var run = run
        let log = CRMCallLog()
        do {
            run.result = try await perform(run, action: action, template: template, conversation: conversation, log: log)
            run.status = .succeeded
        } catch let stop as Stop {
            run.result = RunResult(error: stop.failure)
            run.status = stop.waitForAccount && run.trigger == .offline ? .waitingForAccount : .failed
        } catch let error as CRMError {
            if error.code == .reconnectRequired { await connectors.markReconnectRequired(accountId: action.accountId) }
            run.result = RunResult(error: Self.failure(error))
            run.status = error.code == .reconnectRequired && run.trigger == .offline ? .waitingForAccount : .failed
        } catch {
            logger.error("run failed unexpectedly", metadata: ["run": "\(run.id)", "error": "\(type(of: error))"])
            run.result = RunResult(error: RunFailure(code: "internal_error", message: "The run could not be completed.", crmCode: nil, retryable: true))
            run.status = .failed
        }
        run.result?.crmCalls = log.count
        run.result?.roundTrips = log.sequentialRoundTrips
        run.result?.crmWaitMs = Self.milliseconds(log.waitingTime)
        run.finishedAt = now()
        logger.info("run finished", metadata: [
            "run": "\(run.id)", "action": "\(action.id)", "status": "\(run.status.rawValue)",
            "outcome": "\(run.result?.outcome?.rawValue ?? "-")", "crmCalls": "\(run.result?.crmCalls ?? 0)",
        ])
        return run
    }

    static func failure(_ error: CRMError) -> RunFailure {
        let code: String = switch error.code {
        case .crmRejected: "crm_rejected"
        case .reconnectRequired: "reconnect_required"
        case .dailyLimitExceeded: "daily_limit_exceeded"
        case .notFound: "crm_not_found"
        case .contactExists: "crm_rejected"
        case .misconfigured: "account_misconfigured"
        default: "crm_unavailable"
        }
        return RunFailure(code: code, message: error.message, crmCode: error.crmCode, retryable: code != "crm_rejected" && code != "account_misconfigured")
    }

    static func milliseconds(_ duration: Duration) -> Double {
        let (seconds, attoseconds) = duration.components
        return Double(seconds) * 1000 + Double(attoseconds) / 1e15
    }

    /// DESIGN §2.2 steps 1 to 7 for one run.
    private func perform(_ run: RunRecord, action: Action, template: Template, conversation: Conversation?, log: CRMCallLog) async throws -> RunResult {
        guard let account = try await store.account(id: action.accountId) else {
            throw Stop(failure: RunFailure(code: "account_not_found", message: "The action's account no longer exists.", crmCode: nil, retryable: false), waitForAccount: false)
        }
        guard account.status == .connected else {
            throw Stop(failure: RunFailure(code: "reconnect_required", message: "The account must be connected again.", crmCode: nil, retryable: true), waitForAccount: true)
        }
        var sources = ValueSources(
            runInput: run.input.fields, conversation: conversation?.attributes ?? [:], runSummary: run.input.summary,
            conversationSummary: conversation?.summary)
        if case .success(let first) = RunPreparation.prepare(template: template, mappings: action.mappings, sources: sources) {
            sources.contactAttributes = try await store.contactAttributes(email: first.email)
        }
        let prepared: PreparedRun
        switch RunPreparation.prepare(template: template, mappings: action.mappings, sources: sources) {
        case .failure(let reason):
            return RunResult(outcome: .skipped, reason: reason)
        case .success(let value):
            prepared = value
        }
        if !run.dryRun { try await remember(prepared.email, sources: sources) }

        let connector = try await connectors.connector(for: account)
        async let fieldList = connector.contactFields(log: log)
        async let lookup = connector.lookup(email: prepared.email, log: log)
        let (fields, found) = try await (fieldList, lookup)
        let matches = try await withProvenance(found, accountId: account.id)
        let planner = RunPlanner(action: action, template: template, fields: fields)
        let plan = planner.plan(prepared, matches: matches)
        if run.dryRun || plan.outcome == .skipped {
            return Self.result(plan, contactId: plan.existingContactId, noteId: nil, connector: connector)
        }
        return try await carryOut(plan, prepared: prepared, planner: planner, run: run, action: action, account: account, connector: connector, log: log)
    }

    /// Marks matches contact-sync created according to its own records (the CRM's provenance is already in).
    func withProvenance(_ matches: [ContactMatch], accountId: String) async throws -> [ContactMatch] {
        let ours = try await store.createdRecords(accountId: accountId, among: matches.filter { !$0.createdByUs }.map(\.id))
        return matches.map { match in
            var match = match
            match.createdByUs = match.createdByUs || ours.contains(match.id)
            return match
        }
    }

    /// Remembers the customer's contact-attribute values for later conversations.
    private func remember(_ email: String, sources: ValueSources) async throws {
        let keys = try await contactAttributeKeys.value { try await store.agentFields().filter(\.contactAttribute).map(\.key) }
        var values: [String: String] = [:]
        for key in keys {
            for candidate in [sources.runInput[key], sources.conversation[key]] {
                if let value = candidate, !value.isBlank { values[key] = value.trimmed; break }
            }
        }
        if !values.isEmpty { try await store.rememberContactAttributes(email: email, values, now: now()) }
    }

    /// Writes the plan to the CRM. A create that meets an existing contact (HubSpot 409) is decided again
    /// with that contact.
    private func carryOut(
        _ plan: RunPlan, prepared: PreparedRun, planner: RunPlanner, run: RunRecord, action: Action, account: AccountRecord,
        connector: any CRMConnector, log: CRMCallLog
    ) async throws -> RunResult {
        var contactId = plan.existingContactId
        switch plan.write {
        case .create(let properties)?:
            do {
                let id = try await connector.createContact(properties, log: log)
                try await store.recordProvenance(accountId: account.id, recordId: id, runId: run.id, now: now())
                contactId = id
            } catch let error as CRMError where error.code == .contactExists && error.existingId != nil {
                let existing = try await withProvenance([try await connector.contact(id: error.existingId!, log: log)], accountId: account.id)
                let replanned = planner.plan(prepared, matches: existing)
                if replanned.outcome == .skipped || replanned.write.map({ if case .create = $0 { true } else { false } }) == true {
                    return Self.result(replanned, contactId: replanned.existingContactId, noteId: nil, connector: connector)
                }
                return try await carryOut(replanned, prepared: prepared, planner: planner, run: run, action: action, account: account, connector: connector, log: log)
            }
            let noteId = try await writeNote(plan, contactId: contactId!, run: run, action: action, connector: connector, log: log)
            return Self.result(plan, contactId: contactId, noteId: noteId, connector: connector)
        case .update(let id, let properties)?:
            async let update: Void = connector.updateContact(id: id, properties, log: log)
            async let note = writeNote(plan, contactId: id, run: run, action: action, connector: connector, log: log)
            let (_, noteId) = try await (update, note)
            return Self.result(plan, contactId: id, noteId: noteId, connector: connector)
        case nil:
            let noteId = try await contactId.asyncMap { try await writeNote(plan, contactId: $0, run: run, action: action, connector: connector, log: log) } ?? nil
            return Self.result(plan, contactId: contactId, noteId: noteId, connector: connector)
        }
    }

    /// HubSpot: writes the conversation note, reusing the note of this action and conversation.
    private func writeNote(_ plan: RunPlan, contactId: String, run: RunRecord, action: Action, connector: any CRMConnector, log: CRMCallLog) async throws -> String? {
        guard let text = plan.note, let hubspot = connector as? HubSpotConnector else { return nil }
        var existing: String?
        if let conversationId = run.conversationId, let known = try await store.note(actionId: action.id, conversationId: conversationId), known.contactId == contactId {
            existing = known.noteId
        }
        let noteId = try await hubspot.writeNote(HubSpotNoteWrite(contactId: contactId, text: text, existingNoteId: existing, timestamp: run.createdAt), log: log)
        if let conversationId = run.conversationId {
            try await store.saveNote(actionId: action.id, conversationId: conversationId, noteId: noteId, contactId: contactId, now: now())
        }
        return noteId
    }

    static func result(_ plan: RunPlan, contactId: String?, noteId: String?, connector: any CRMConnector) -> RunResult {
        RunResult(
            outcome: plan.outcome, reason: plan.reason, reasonDetail: plan.reasonDetail, crmRecordId: contactId,
            crmRecordURL: contactId.map { connector.recordURL(contactId: $0) }, noteId: noteId, fieldsWritten: plan.fieldsWritten,
            fieldsSkipped: plan.fieldsSkipped, warnings: plan.warnings)
    }
}
