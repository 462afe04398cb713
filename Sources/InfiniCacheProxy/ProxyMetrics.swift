import Metrics

/// The proxy's figures for swift-metrics: counters for events (`_total`) and meters for
/// what is cached. The proxy's state machine says what changed under its lock, and the
/// proxy records it here after unlocking; changes are increments, so they add up to the
/// right totals in whatever order threads record them. The backend is whatever the
/// executable bootstraps (none by default).
struct ProxyMetrics: Sendable {
    /// What changed since the last report, as differences.
    struct Changes: Hashable, Sendable {
        var objects = 0
        var bytes = 0
        var hits = 0
        var misses = 0
        var evictions = 0
        var lostObjects = 0
        var expirations = 0
    }

    private let objects = Meter(label: "infinicache_proxy_objects")
    private let bytes = Meter(label: "infinicache_proxy_bytes")
    private let hits = Counter(label: "infinicache_proxy_hits_total")
    private let misses = Counter(label: "infinicache_proxy_misses_total")
    private let evictions = Counter(label: "infinicache_proxy_evictions_total")
    private let lostObjects = Counter(label: "infinicache_proxy_lost_objects_total")
    private let expirations = Counter(label: "infinicache_proxy_expirations_total")

    func record(_ changes: Changes) {
        Self.move(self.objects, by: changes.objects)
        Self.move(self.bytes, by: changes.bytes)
        Self.count(self.hits, changes.hits)
        Self.count(self.misses, changes.misses)
        Self.count(self.evictions, changes.evictions)
        Self.count(self.lostObjects, changes.lostObjects)
        Self.count(self.expirations, changes.expirations)
    }

    private static func move(_ meter: Meter, by change: Int) {
        if change > 0 {
            meter.increment(by: Double(change))
        } else if change < 0 {
            meter.decrement(by: Double(-change))
        }
    }

    private static func count(_ counter: Counter, _ events: Int) {
        if events > 0 {
            counter.increment(by: events)
        }
    }
}
