import Metrics

/// The proxy's figures for swift-metrics: what is cached and how many events of each kind
/// happened, recorded as gauges whenever they change. The backend is whatever the
/// executable bootstraps (none by default).
struct ProxyMetrics: Sendable {
    private let objects = Gauge(label: "infinicache_proxy_objects")
    private let bytes = Gauge(label: "infinicache_proxy_bytes")
    private let hits = Gauge(label: "infinicache_proxy_hits_total")
    private let misses = Gauge(label: "infinicache_proxy_misses_total")
    private let evictions = Gauge(label: "infinicache_proxy_evictions_total")
    private let lostObjects = Gauge(label: "infinicache_proxy_lost_objects_total")

    /// The figures recorded.
    struct Summary {
        var objects: Int
        var bytes: Int
        var counters: ProxyCounters
    }

    func update(_ summary: Summary) {
        self.objects.record(summary.objects)
        self.bytes.record(summary.bytes)
        self.hits.record(summary.counters.hits)
        self.misses.record(summary.counters.misses)
        self.evictions.record(summary.counters.evictions)
        self.lostObjects.record(summary.counters.lostObjects)
    }
}
