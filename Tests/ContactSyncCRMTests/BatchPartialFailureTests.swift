import ContactSyncCore
import Synchronization
import Testing

@testable import ContactSyncCRM

/// Batch partial failures (ARCHITECTURE §4): finished chunks keep their results; a whole call refused for one
/// bad input is written again one input at a time.
@Suite("Batch writes: partial failures")
struct BatchPartialFailureTests {
    @Test("ids from finished chunks are kept when a later chunk fails as a whole")
    func finishedChunksAreKept() async {
        let results = await ChunkedWrite.run(Array(0..<5), size: 2) { chunk throws(CRMError) in
            if chunk.contains(4) { throw CRMError(.serverError, "unavailable", status: 503) }
            return chunk.map { .success("id\($0)") }
        }
        #expect(results.count == 5)
        #expect(results.prefix(4).compactMap { try? $0.get() } == ["id0", "id1", "id2", "id3"])
        guard case .failure(let error) = results[4] else { Issue.record("the failed chunk's input succeeded"); return }
        #expect(error.code == .serverError)
    }

    @Test("a whole-call 400 or 409 falls back to per-record writes, so only the bad input fails", arguments: [400, 409])
    func wholeCallRefusalFallsBackToSingles(status: Int) async {
        let calls = Mutex(0)
        let results = await ChunkedWrite.run(["a", "bad", "c"], size: 100) { chunk throws(CRMError) in
            calls.withLock { $0 += 1 }
            if chunk.contains("bad") { throw CRMError(.crmRejected, "one input is invalid", status: status) }
            return chunk.map { .success($0.uppercased()) }
        }
        #expect(results.compactMap { try? $0.get() } == ["A", "C"])
        if case .failure(let error) = results[1] { #expect(error.status == status) } else { Issue.record("the bad input succeeded") }
        #expect(calls.withLock { $0 } == 4)
    }

    @Test("a transient whole-call failure is not split: every input of the chunk fails, retryable")
    func transientFailureIsNotSplit() async {
        let calls = Mutex(0)
        let results = await ChunkedWrite.run(["a", "b"], size: 100) { _ throws(CRMError) in
            calls.withLock { $0 += 1 }
            throw CRMError(.rateLimited, "slow down", status: 429)
        }
        #expect(calls.withLock { $0 } == 1)
        #expect(results.allSatisfy { if case .failure(let error) = $0 { error.isRetryable } else { false } })
    }
}
