
/// What a proxy reports for the `stats` request: the JSON body of its `statsReport`
/// frame (docs/PROTOCOL.md), which ``InfiniCacheClient`` decodes into this type.
public struct ProxyStatistics: Codable, Sendable, Hashable {
    /// One registered node's use.
    public struct Node: Codable, Sendable, Hashable {
        /// The proxy's number for the node.
        public var id: Int
        /// The function the node is (an instance of).
        public var functionID: String
        /// Bytes the node holds at most.
        public var capacity: Int
        /// Bytes the proxy has placed on it.
        public var used: Int

        /// Creates a node's entry.
        public init(id: Int, functionID: String, capacity: Int, used: Int) {
            self.id = id
            self.functionID = functionID
            self.capacity = capacity
            self.used = used
        }
    }

    /// Objects mapped now.
    public var objects: Int
    /// Their bytes.
    public var bytes: Int
    /// Their bytes after coding (data + parity + padding), as placed on nodes.
    public var codedBytes: Int
    /// Objects mapped now that carry an expiry time.
    public var expiringObjects: Int
    /// Objects held whole in the proxy's small-object tier.
    public var tierObjects: Int
    /// Bytes the tier charges for them (objects, keys and bookkeeping).
    public var tierBytes: Int
    /// Events since the proxy started.
    public var counters: ProxyCounters
    /// The registered nodes, by id.
    public var nodes: [Node]
    /// Bytes the registered nodes hold at most, together.
    public var nodeCapacity: Int { self.nodes.reduce(0) { $0 + $1.capacity } }
    /// Bytes the proxy has placed on the registered nodes, together.
    public var nodeBytesUsed: Int { self.nodes.reduce(0) { $0 + $1.used } }
    /// Invocations, reclaims, failovers, syncs and the bill, when the nodes are serverless
    /// functions run by the serverless lifecycle (nil otherwise).
    public var lifecycle: LifecycleReport?

    /// Creates a report.
    public init(
        objects: Int, bytes: Int, codedBytes: Int, expiringObjects: Int = 0, tierObjects: Int = 0, tierBytes: Int = 0, counters: ProxyCounters, nodes: [Node],
        lifecycle: LifecycleReport? = nil
    ) {
        self.objects = objects
        self.tierObjects = tierObjects
        self.tierBytes = tierBytes
        self.expiringObjects = expiringObjects
        self.bytes = bytes
        self.codedBytes = codedBytes
        self.counters = counters
        self.nodes = nodes
        self.lifecycle = lifecycle
    }

    private enum CodingKeys: String, CodingKey {
        case objects, bytes, codedBytes, expiringObjects, tierObjects, tierBytes, counters, nodes, lifecycle
    }

    /// Decodes a report; the figures older proxies did not report (`expiringObjects`,
    /// `tierObjects`, `tierBytes`) are 0 when absent.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.objects = try container.decode(Int.self, forKey: .objects)
        self.bytes = try container.decode(Int.self, forKey: .bytes)
        self.codedBytes = try container.decode(Int.self, forKey: .codedBytes)
        self.expiringObjects = try container.decodeIfPresent(Int.self, forKey: .expiringObjects) ?? 0
        self.tierObjects = try container.decodeIfPresent(Int.self, forKey: .tierObjects) ?? 0
        self.tierBytes = try container.decodeIfPresent(Int.self, forKey: .tierBytes) ?? 0
        self.counters = try container.decode(ProxyCounters.self, forKey: .counters)
        self.nodes = try container.decode([Node].self, forKey: .nodes)
        self.lifecycle = try container.decodeIfPresent(LifecycleReport.self, forKey: .lifecycle)
    }
}
