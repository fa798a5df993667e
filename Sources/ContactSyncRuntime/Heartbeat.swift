/// Renews what a worker holds (run leases, customer locks) every `period` while it works, until cancelled.
/// The sleep is the renewal's rhythm, not a wait for a condition.
enum Heartbeat {
    static func start(every period: Duration, _ beat: @escaping @Sendable () async -> Void) -> Task<Void, Never> {
        Task {
            while !Task.isCancelled {
                try? await Task.sleep(for: period)
                if Task.isCancelled { break }
                await beat()
            }
        }
    }
}
