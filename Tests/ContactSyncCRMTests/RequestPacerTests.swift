@testable import ContactSyncCRM
import Synchronization
import Testing

@Suite("Request pacing under a rolling window")
struct RequestPacerTests {
    @Test("a call whose answer takes longer than the window keeps its place until it finishes, and a window after")
    func slowCallKeepsCounting() async throws {
        // A limit of 2 leaves one call at a time (the pacer keeps one in hand); the window is 50 ms.
        let pacer = RequestPacer(limit: 2, window: .milliseconds(50))
        let clock = ContinuousClock()
        let slow = await pacer.acquire()
        let admitted = Mutex<ContinuousClock.Instant?>(nil)
        let next = Task {
            let ticket = await pacer.acquire()
            admitted.withLock { $0 = clock.now }
            await pacer.finished(ticket)
        }
        // Four windows pass with the first call still under way: the second is not sent.
        try await Task.sleep(for: .milliseconds(200))
        #expect(admitted.withLock { $0 } == nil)
        let finished = clock.now
        await pacer.finished(slow)
        await next.value
        let sent = try #require(admitted.withLock { $0 })
        #expect(sent - finished >= .milliseconds(50))
    }

    @Test("calls the CRM counted elsewhere take places in the window")
    func callsElsewhereCount() async throws {
        let pacer = RequestPacer(limit: 10, window: .seconds(10))
        // HubSpot reports 1 of 10 left although this pacer sent nothing: 9 were made elsewhere.
        await pacer.observe(max: 10, remaining: 1)
        #expect(await pacer.waitEstimate() > .seconds(9))
    }
}
