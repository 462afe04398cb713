import Metrics

/// The proxy's figures for swift-metrics: gauges of what is cached, counters of events.
/// The backend is whatever the executable bootstraps (none by default).
struct ProxyMetrics: Sendable {
    private let objects = Gauge(label: "infinicache_proxy_objects")
    private let bytes = Gauge(label: "infinicache_proxy_bytes")
    private let hits = Gauge(label: "infinicache_proxy_hits_total")
    private let misses = Gauge(label: "infinicache_proxy_misses_total")
    private let evictions = Gauge(label: "infinicache_proxy_evictions_total")
    private let lostObjects = Gauge(label: "infinicache_proxy_lost_objects_total")

    func update(_ statistics: ProxyStatistics) {
        self.objects.record(statistics.objects)
        self.bytes.record(statistics.bytes)
        self.hits.record(statistics.counters.hits)
        self.misses.record(statistics.counters.misses)
        self.evictions.record(statistics.counters.evictions)
        self.lostObjects.record(statistics.counters.lostObjects)
    }
}
