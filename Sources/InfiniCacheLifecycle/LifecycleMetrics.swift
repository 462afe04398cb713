import FunctionPlatform
import InfiniCacheStatistics
import Metrics

/// The lifecycle's figures for swift-metrics: a counter per ``LifecycleCounters`` field,
/// incremented by the changes the ledger makes, and gauges for the bill as of the last
/// ``FunctionLifecycle/report()``. The backend is whatever the executable bootstraps
/// (none by default), before the lifecycle is created.
struct LifecycleMetrics: Sendable {
    private let counters: [(any KeyPath<LifecycleCounters, Int> & Sendable, Counter)] = [
        (\.invocations, Counter(label: "infinicache_lifecycle_invocations_total")),
        (\.coldStarts, Counter(label: "infinicache_lifecycle_cold_starts_total")),
        (\.reclaimsSeen, Counter(label: "infinicache_lifecycle_reclaims_total")),
        (\.failovers, Counter(label: "infinicache_lifecycle_failovers_total")),
        (\.chunksLost, Counter(label: "infinicache_lifecycle_chunks_lost_total")),
        (\.syncs, Counter(label: "infinicache_lifecycle_syncs_total")),
        (\.failedSyncs, Counter(label: "infinicache_lifecycle_failed_syncs_total")),
        (\.bytesSynced, Counter(label: "infinicache_lifecycle_synced_bytes_total")),
    ]
    private let billDollars = Gauge(label: "infinicache_lifecycle_bill_dollars")
    private let gigabyteSeconds = Gauge(label: "infinicache_lifecycle_billed_gigabyte_seconds")
    private let billedInvocations = Gauge(label: "infinicache_lifecycle_billed_invocations")

    /// Counts what changed from `before` to `after`.
    func record(from before: LifecycleCounters, to after: LifecycleCounters) {
        for (field, counter) in self.counters where after[keyPath: field] > before[keyPath: field] {
            counter.increment(by: after[keyPath: field] - before[keyPath: field])
        }
    }

    /// Sets the bill's gauges.
    func record(_ bill: Bill) {
        self.billDollars.record(bill.total)
        self.gigabyteSeconds.record(bill.gigabyteSeconds)
        self.billedInvocations.record(bill.invocations)
    }
}
