import Logging
import ServiceLifecycle
import Testing

@testable import ContactSyncRuntime

@Suite("The offline loop's wake signal")
struct WakeSignalTests {
    /// Long enough that a wait ending by its timeout could not be mistaken for one that was woken.
    static let long = Duration.seconds(60)

    static func elapsed(_ body: () async -> Void) async -> Duration {
        let clock = ContinuousClock()
        let start = clock.now
        await body()
        return clock.now - start
    }

    @Test("a signal wakes the waiting loop long before its timeout")
    func wakesWaiter() async throws {
        let signal = WakeSignal()
        let waiting = Task { await Self.elapsed { await signal.wait(upTo: Self.long) } }
        try await Task.sleep(for: .milliseconds(50))
        signal.fire()
        #expect(await waiting.value < .seconds(10))
    }

    @Test("a signal fired while nobody waited ends the next wait at once, and only that one")
    func firedBefore() async {
        let signal = WakeSignal()
        signal.fire()
        signal.fire()
        #expect(await Self.elapsed { await signal.wait(upTo: Self.long) } < .seconds(10))
        #expect(await Self.elapsed { await signal.wait(upTo: .milliseconds(100)) } >= .milliseconds(100))
    }

    @Test("without a signal the wait lasts its duration")
    func timesOut() async {
        let signal = WakeSignal()
        let took = await Self.elapsed { await signal.wait(upTo: .milliseconds(150)) }
        #expect(took >= .milliseconds(150))
        #expect(took < .seconds(10))
    }

    @Test("cancelling the waiting task ends the wait")
    func cancelled() async throws {
        let signal = WakeSignal()
        let waiting = Task { await Self.elapsed { await signal.wait(upTo: Self.long) } }
        try await Task.sleep(for: .milliseconds(50))
        waiting.cancel()
        #expect(await waiting.value < .seconds(10))
    }

    @Test("a graceful shutdown of the service group ends the wait")
    func gracefulShutdown() async throws {
        struct Sleeper: Service {
            let signal: WakeSignal
            let took: @Sendable (Duration) -> Void
            func run() async throws { took(await WakeSignalTests.elapsed { await signal.wait(upTo: WakeSignalTests.long) }) }
        }
        let signal = WakeSignal()
        let (durations, continuation) = AsyncStream<Duration>.makeStream()
        let group = ServiceGroup(configuration: .init(
            services: [.init(service: Sleeper(signal: signal, took: { continuation.yield($0) }), successTerminationBehavior: .gracefullyShutdownGroup)],
            logger: Logger(label: "test")))
        let running = Task { try await group.run() }
        try await Task.sleep(for: .milliseconds(50))
        await group.triggerGracefulShutdown()
        try await running.value
        continuation.finish()
        var iterator = durations.makeAsyncIterator()
        let took = try #require(await iterator.next())
        #expect(took < .seconds(10))
    }
}
