import NIOCore

/// Runs a task's work on one event loop, wherever the task is resumed from.
///
/// Where NIO's loops serve as Swift's global executor, a task stays on the loop it was started from, and
/// so do the tasks it starts: every batch offline sync carried out would share the loop of its one
/// long-lived task, leaving the other cores to the rest. A batch given an executor of its own (the next
/// loop in turn) keeps to that loop instead, so batches of several accounts, and of one account, are carried
/// out on all cores.
final class EventLoopExecutor: TaskExecutor {
    private let loop: any EventLoop

    init(_ loop: any EventLoop) {
        self.loop = loop
    }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        loop.execute { job.runSynchronously(on: self.asUnownedTaskExecutor()) }
    }
}
