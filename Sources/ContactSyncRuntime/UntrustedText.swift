import NIOPosix
import Synchronization

/// Work over untrusted text (transcripts, messages) runs on NIO's blocking thread pool, never on the event
/// loops that serve requests and carry tasks, and learns of its task's cancellation so a stop stays bounded.
enum UntrustedText {
    /// Runs `work` on the thread pool; `work` should ask its argument between steps and stop once it says true.
    static func process<T: Sendable>(_ work: @escaping @Sendable (_ isCancelled: () -> Bool) -> T) async throws -> T {
        let cancelled = CancellationFlag()
        return try await withTaskCancellationHandler {
            try await NIOThreadPool.singleton.runIfActive { work { cancelled.isSet } }
        } onCancel: {
            cancelled.set()
        }
    }
}

/// A flag one thread sets and another reads.
final class CancellationFlag: Sendable {
    private let value = Atomic<Bool>(false)

    var isSet: Bool { value.load(ordering: .relaxed) }

    func set() { value.store(true, ordering: .relaxed) }
}
