/// Event counts since the proxy started.
public struct ProxyCounters: Codable, Sendable, Hashable {
    /// GETs of a mapped key.
    public var hits = 0
    /// GETs of an unknown key.
    public var misses = 0
    /// Objects evicted to make room.
    public var evictions = 0
    /// Objects found with a stripe below k reachable chunks, and removed.
    public var lostObjects = 0
}

/// What the proxy reports for the `stats` request and to swift-metrics.
public struct ProxyStatistics: Codable, Sendable, Hashable {
    /// One registered node's use.
    public struct Node: Codable, Sendable, Hashable {
        public var id: Int
        public var functionID: String
        public var capacity: Int
        public var used: Int
    }

    /// Objects mapped now.
    public var objects: Int
    /// Their bytes.
    public var bytes: Int
    /// Their bytes after coding (data + parity + padding), as placed on nodes.
    public var codedBytes: Int
    public var counters: ProxyCounters
    public var nodes: [Node]
    /// Invocations, reclaims, failovers, syncs and the bill, when the nodes are serverless
    /// functions run by a ``FunctionLifecycle``.
    public var lifecycle: LifecycleReport?
}
