import ContactSyncCore
import Foundation
import Testing

/// What becomes of a run after an attempt, for every trigger (ARCHITECTURE §4).
@Suite struct RetryScheduleTests {
    static let now = Date(timeIntervalSince1970: 1_800_000_000)
    static let schedule = RetrySchedule(window: 24 * 3600, backoff: Backoff(base: .seconds(2), max: .seconds(300)))

    static func run(status: RunStatus, failure: RunFailure? = nil, attempts: Int = 1, windowFrom: Date? = nil) -> RunRecord {
        var run = RunRecord(
            id: "run_1", actionId: "act_1", conversationId: nil, trigger: .inConversation, status: status, dryRun: false, input: RunInput(),
            attempts: attempts, createdAt: now, retryWindowFrom: windowFrom)
        run.result = failure.map { RunResult(error: $0) }
        run.finishedAt = now
        run.nextAttemptAt = now.addingTimeInterval(-5)
        return run
    }

    static let unavailable = RunFailure(code: "crm_unavailable", message: "down", crmCode: "SERVER_UNAVAILABLE", retryable: true)

    @Test("a run that waited is due again at the time it was given, or shortly, and the wait is not a try")
    func waitedIsNotATry() {
        let waited = Self.schedule.waited(Self.run(status: .running, attempts: 3), until: Self.now.addingTimeInterval(7), now: Self.now)
        #expect(waited.status == .pending)
        #expect(waited.attempts == 2)
        #expect(waited.nextAttemptAt == Self.now.addingTimeInterval(7))
        #expect(waited.finishedAt == nil)
        let soon = Self.schedule.waited(Self.run(status: .running), until: nil, now: Self.now)
        #expect(soon.nextAttemptAt == Self.now.addingTimeInterval(RetrySchedule.shortWait))
    }

    @Test("a transient failure is due again with backoff, and its window starts at this first failed try")
    func transientFailureRetries() throws {
        let retried = Self.schedule.tried(Self.run(status: .failed, failure: Self.unavailable, attempts: 1), now: Self.now)
        #expect(retried.status == .pending)
        #expect(retried.retryWindowFrom == Self.now)
        let next = try #require(retried.nextAttemptAt)
        // The first wait is between half the base and the base.
        #expect(next >= Self.now.addingTimeInterval(1) && next <= Self.now.addingTimeInterval(2))
    }

    @Test("once the window has passed since the first failed try, a transient failure is final")
    func windowEnds() {
        let early = Self.now.addingTimeInterval(-24 * 3600 - 1)
        let final = Self.schedule.tried(Self.run(status: .failed, failure: Self.unavailable, attempts: 9, windowFrom: early), now: Self.now)
        #expect(final.status == .failed)
        #expect(final.nextAttemptAt == nil)
        #expect(final.retryWindowFrom == early)
        let within = Self.schedule.tried(Self.run(status: .failed, failure: Self.unavailable, attempts: 9, windowFrom: Self.now.addingTimeInterval(-3600)), now: Self.now)
        #expect(within.status == .pending)
    }

    @Test("without a window, a transient failure is final at once, for an operator's retry")
    func noWindow() {
        let none = RetrySchedule(window: 0, backoff: Self.schedule.backoff)
        #expect(none.tried(Self.run(status: .failed, failure: Self.unavailable), now: Self.now).status == .failed)
    }

    @Test("rejections, a disconnected account and successes are final")
    func finalOutcomes() {
        let rejected = RunFailure(code: "crm_rejected", message: "bad value", crmCode: "INVALID_EMAIL_ADDRESS", retryable: false)
        let reconnect = RunFailure(code: "reconnect_required", message: "revoked", crmCode: nil, retryable: true)
        for run in [Self.run(status: .failed, failure: rejected), Self.run(status: .failed, failure: reconnect), Self.run(status: .succeeded)] {
            let after = Self.schedule.tried(run, now: Self.now)
            #expect(after.status == run.status)
            #expect(after.nextAttemptAt == nil)
        }
    }
}
