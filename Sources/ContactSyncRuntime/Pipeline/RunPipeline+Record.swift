import ContactSyncCRM
import ContactSyncCore
import Foundation

extension RunPipeline {
    /// Step 7: the run as it is recorded. A failed run keeps what it already wrote (record id, fields,
    /// note); every finished run carries the CRM calls its batch made.
    func finalize(_ item: Item, calls: CRMCallLog.Totals, batchSize: Int) -> PipelineOutcome {
        var run: RunRecord
        switch item.done {
        case .deferred(let waiting, let until)?:
            return .deferred(waiting, until: until)
        case .finished(let finished)?:
            run = finished
        case nil where item.error?.code == .leaseLost:
            // Stopped by the lease fence: due again, for whichever worker holds it then.
            return .deferred(item.run, until: nil)
        case nil:
            run = item.run
            let error = item.error ?? CRMError(.invalidResponse, "The run ended without a result.")
            run.result = Self.failedResult(item, RunFailure(error))
            run.status = error.code == .reconnectRequired && run.trigger != .inConversation ? .waitingForAccount : .failed
        }
        if let prepared = item.prepared {
            let sources = prepared.valueSources(summaryField: item.entry.action.summaryField)
            let used = Set(prepared.values.filter { $0.origin == .extracted }.map(\.agentField))
            run.result?.valueSources = sources
            run.result?.evidence = item.evidence.filter { used.contains($0.agentField) }
        }
        run.result?.crmCalls = calls.calls
        run.result?.roundTrips = calls.roundTrips
        run.result?.crmWaitMs = Self.milliseconds(calls.waiting)
        run.result?.batchSize = batchSize > 1 ? batchSize : nil
        run.finishedAt = now()
        metrics.runFinished(run, crm: item.entry.template.crm)
        logger.info("run finished", metadata: [
            "run_id": "\(run.id)", "action_id": "\(run.actionId)", "conversation_id": "\(run.conversationId ?? "-")",
            "status": "\(run.status.rawValue)", "outcome": "\(run.result?.outcome?.rawValue ?? "-")", "crm_calls": "\(run.result?.crmCalls ?? 0)",
        ])
        return .finished(run)
    }

    /// A failed run's result: the failure, with what the run already wrote in this attempt (record id,
    /// fields, note) or, failing that, the record an earlier attempt wrote, so no written id is ever lost.
    static func failedResult(_ item: Item, _ failure: RunFailure) -> RunResult {
        var result = RunResult(error: failure)
        if item.contactWritten || item.noteId != nil {
            result.crmRecordId = item.contactId
            result.crmRecordURL = item.recordURL
            result.noteId = item.noteId
            if item.contactWritten, let plan = item.plan {
                result.fieldsWritten = plan.fieldsWritten
                result.fieldsSkipped = plan.fieldsSkipped
                result.warnings = plan.warnings
            }
        }
        result.keepRecord(of: item.run.result)
        return result
    }

    static func milliseconds(_ duration: Duration) -> Double {
        let (seconds, attoseconds) = duration.components
        return Double(seconds) * 1000 + Double(attoseconds) / 1e15
    }
}

extension RunFailure {
    /// A CRM error as a run records it, the CRM's own code kept (`FailureClassification`).
    init(_ error: CRMError) {
        self = FailureClassification.failure(crmError: error.code.rawValue, temporary: error.isRetryable, message: error.message, crmCode: error.crmCode)
    }
}

extension RunResult {
    /// Keeps the record an earlier attempt wrote when this result names none, so no written id is lost.
    mutating func keepRecord(of earlier: RunResult?) {
        guard crmRecordId == nil, let earlier, let id = earlier.crmRecordId else { return }
        crmRecordId = id
        crmRecordURL = earlier.crmRecordURL
        noteId = noteId ?? earlier.noteId
    }
}
