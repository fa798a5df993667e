import ContactSyncCRM
import ContactSyncCore
import ContactSyncStore
import CoreMetrics
import Foundation

/// The engine's metrics through swift-metrics, to a factory passed in (no global system): runs by CRM,
/// trigger, status and outcome and their duration; CRM calls by CRM, route and status and their latency;
/// rate-limit waits; token refreshes; the offline queue and the lag from a conversation's end to its run.
public struct RunMetrics: Sendable {
    let factory: any MetricsFactory

    public init(factory: any MetricsFactory) {
        self.factory = factory
    }

    /// Metrics that go nowhere.
    public static var none: RunMetrics { RunMetrics(factory: NOOPMetricsHandler.instance) }

    func runFinished(_ run: RunRecord, crm: CRM) {
        Counter(label: "contact_sync_runs_total", dimensions: [
            ("crm", crm.rawValue), ("trigger", run.trigger.rawValue), ("status", run.status.rawValue), ("outcome", run.result?.outcome?.rawValue ?? "none"),
        ], factory: factory).increment()
        if let started = run.startedAt, let finished = run.finishedAt {
            Timer(label: "contact_sync_run_duration_seconds", dimensions: [("crm", crm.rawValue), ("trigger", run.trigger.rawValue)], factory: factory)
                .recordNanoseconds(Int64(max(0, finished.timeIntervalSince(started)) * 1_000_000_000))
        }
    }

    /// How long after its conversation ended an offline run started.
    func offlineLag(seconds: Double) {
        Timer(label: "contact_sync_offline_lag_seconds", factory: factory).recordNanoseconds(Int64(max(0, seconds) * 1_000_000_000))
    }

    /// The offline queue as counted now.
    public func offlineQueue(_ counts: OfflineQueueCounts) {
        for (state, value) in [("due", counts.due), ("pending", counts.pending), ("waiting_for_account", counts.waitingForAccount)] {
            Gauge(label: "contact_sync_offline_queue_depth", dimensions: [("state", state)], factory: factory).record(value)
        }
    }

    /// What a connector of `crm` reports: its calls, token refreshes and rate-limit waits.
    public func crmObserver(_ crm: CRM) -> CRMObserver {
        let factory = self.factory
        let name = crm.rawValue
        return CRMObserver(
            call: { route, status, duration in
                Counter(label: "contact_sync_crm_calls_total", dimensions: [("crm", name), ("route", route), ("status", status.map(String.init) ?? "none")], factory: factory)
                    .increment()
                Timer(label: "contact_sync_crm_latency_seconds", dimensions: [("crm", name), ("route", route)], factory: factory).record(duration: duration)
            },
            tokenRefreshed: { Counter(label: "contact_sync_token_refreshes_total", dimensions: [("crm", name)], factory: factory).increment() },
            rateLimitWait: { duration in
                Counter(label: "contact_sync_rate_limit_waits_total", dimensions: [("crm", name)], factory: factory).increment()
                Timer(label: "contact_sync_rate_limit_wait_seconds", dimensions: [("crm", name)], factory: factory).record(duration: duration)
            })
    }
}

extension CoreMetrics.Timer {
    func record(duration: Duration) {
        let (seconds, attoseconds) = duration.components
        recordNanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
    }
}
