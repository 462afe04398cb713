import ChunkTransport
import ChunkWire
import Metrics
import NIOCore

/// The proxy's figures for swift-metrics: counters for events (`_total`), meters for what
/// is cached, and for every request its operation, outcome and duration. The proxy's
/// state machine says what changed under its lock, and the proxy records it here after
/// unlocking; changes are increments, so they add up to the right totals in whatever
/// order threads record them. The backend is whatever the executable bootstraps (none by
/// default), before the proxy is created.
struct ProxyMetrics: Sendable {
    /// What changed since the last report, as differences.
    struct Changes: Hashable, Sendable {
        var objects = 0
        var bytes = 0
        var nodes = 0
        var hits = 0
        var tierHits = 0
        var misses = 0
        var evictions = 0
        var lostObjects = 0
        var expirations = 0
    }

    /// How a request ended, from its final response.
    enum Outcome: String, CaseIterable, Sendable {
        case ok, notFound = "not_found", error

        init(_ response: Opcode) {
            switch response {
            case .notFound: self = .notFound
            case .error: self = .error
            default: self = .ok
            }
        }
    }

    /// The requests a client may send, as the `operation` label names them: `put` is one
    /// per client PUT, the announcement (whose chunks follow as `put_chunk`) or the whole
    /// write in one round trip.
    static let operations: [Opcode: String] = [
        .putObject: "put", .putChunk: "put_chunk", .putObjectInline: "put", .getObject: "get", .statObject: "stat", .delete: "delete",
        .expire: "expire", .scan: "scan", .flush: "flush", .stats: "stats",
    ]

    private let objects = Meter(label: "infinicache_proxy_objects")
    private let bytes = Meter(label: "infinicache_proxy_bytes")
    private let nodes = Meter(label: "infinicache_proxy_nodes")
    private let hits = Counter(label: "infinicache_proxy_hits_total")
    private let tierHits = Counter(label: "infinicache_proxy_tier_hits_total")
    private let misses = Counter(label: "infinicache_proxy_misses_total")
    private let evictions = Counter(label: "infinicache_proxy_evictions_total")
    private let lostObjects = Counter(label: "infinicache_proxy_lost_objects_total")
    private let expirations = Counter(label: "infinicache_proxy_expirations_total")
    private let bytesReceived = Counter(label: "infinicache_proxy_received_bytes_total")
    private let bytesSent = Counter(label: "infinicache_proxy_sent_bytes_total")
    /// Made once per label set: a lookup in the backend per request would cost a lock.
    private let requests: [Opcode: [Outcome: Counter]]
    private let durations: [Opcode: Timer]

    init() {
        var requests: [Opcode: [Outcome: Counter]] = [:]
        var durations: [Opcode: Timer] = [:]
        for (opcode, operation) in Self.operations {
            for outcome in Outcome.allCases {
                requests[opcode, default: [:]][outcome] = Counter(
                    label: "infinicache_proxy_requests_total", dimensions: [("operation", operation), ("outcome", outcome.rawValue)]
                )
            }
            durations[opcode] = Timer(label: "infinicache_proxy_request_duration_seconds", dimensions: [("operation", operation)], preferredDisplayUnit: .seconds)
        }
        self.requests = requests
        self.durations = durations
    }

    func record(_ changes: Changes) {
        Self.move(self.objects, by: changes.objects)
        Self.move(self.bytes, by: changes.bytes)
        Self.move(self.nodes, by: changes.nodes)
        Self.count(self.hits, changes.hits)
        Self.count(self.tierHits, changes.tierHits)
        Self.count(self.misses, changes.misses)
        Self.count(self.evictions, changes.evictions)
        Self.count(self.lostObjects, changes.lostObjects)
        Self.count(self.expirations, changes.expirations)
    }

    /// Counts a client's request of `opcode` that carried `payload` bytes, and follows its
    /// responses: the chunk bytes sent, and the outcome and duration once the final one goes.
    func follow(_ opcode: Opcode, payload: Int, replies: ReplySink) {
        guard let durations = self.durations[opcode], let requests = self.requests[opcode] else { return }
        Self.count(self.bytesReceived, payload)
        let started = ContinuousClock.now
        let bytesSent = self.bytesSent
        replies.observe { response, final in
            if response.opcode == .chunkData {
                Self.count(bytesSent, response.payload.readableBytes)
            }
            if final {
                Self.finish(requests, durations, response.opcode, since: started)
            }
        }
    }

    /// Counts a request of `opcode` answered without frames (see
    /// ``InfiniCacheProxy/lookUpInTier(_:)``) as if its final response had been
    /// `response`, after sending `bytesSent` chunk bytes.
    func answered(_ opcode: Opcode, with response: Opcode, bytesSent: Int, since started: ContinuousClock.Instant) {
        guard let durations = self.durations[opcode], let requests = self.requests[opcode] else { return }
        Self.count(self.bytesSent, bytesSent)
        Self.finish(requests, durations, response, since: started)
    }

    private static func finish(_ requests: [Outcome: Counter], _ durations: Timer, _ response: Opcode, since started: ContinuousClock.Instant) {
        requests[Outcome(response)]?.increment()
        durations.record(duration: ContinuousClock.now - started)
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
