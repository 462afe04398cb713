import InfiniCacheTraces

/// Everything a trace replay measured: the serverless cache's runs, and the always-on
/// caches of the same memory beside them.
public struct ReplayReport: Sendable {
    /// The settings replayed with.
    public var configuration: ReplayConfiguration
    /// Requests replayed.
    public var requests: Int
    /// Distinct objects among them.
    public var distinctObjects: Int
    /// Their bytes, each object counted once at its first size (full scale).
    public var distinctBytes: Int
    /// Hours replayed: those asked for, or every hour the trace's requests fall in.
    public var hours: Int
    /// Rows of the trace file skipped as malformed.
    public var malformedRows: Int
    /// One run per backup setting and billing granularity.
    public var runs: [ServerlessRun]
    /// The exact object-level LRU cache of the same memory.
    public var lru: CacheStatistics
    /// What the always-on node (cache.r5.24xlarge by default) costs over the period.
    public var alwaysOnCost: Double
    /// ElastiCache Serverless's bill for the LRU's stored bytes and moved bytes.
    public var serverlessCost: Double
    /// Its cumulative cost at the end of each hour.
    public var serverlessCumulativeCost: [Double]
    /// Real time the replay took.
    public var wallTime: Duration

    /// The run with backup or without, at `granularity`.
    public func run(backup: Bool, billingGranularity granularity: Duration) -> ServerlessRun? {
        self.runs.first { $0.backup == backup && $0.billingGranularity == granularity }
    }
}

extension Trace {
    /// Distinct keys and their bytes (each key at the size of its first request).
    var distinctObjects: (count: Int, bytes: Int) {
        var sizes: [String: Int] = [:]
        for request in self.requests where sizes[request.key] == nil {
            sizes[request.key] = request.size
        }
        return (sizes.count, sizes.values.reduce(0, +))
    }
}
