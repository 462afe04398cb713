

/// Event counts since the proxy started.
public struct ProxyCounters: Codable, Sendable, Hashable {
    /// GETs of a mapped key.
    public var hits = 0
    /// GETs answered from the proxy's small-object tier, with no node asked (counted in
    /// `hits` too).
    public var tierHits = 0
    /// GETs of an unknown key.
    public var misses = 0
    /// Objects evicted to make room.
    public var evictions = 0
    /// Objects found with a stripe below k reachable chunks, and removed.
    public var lostObjects = 0
    /// Objects removed because their expiry time passed.
    public var expirations = 0

    /// Creates counters at zero.
    public init() {}

    private enum CodingKeys: String, CodingKey {
        case hits, tierHits, misses, evictions, lostObjects, expirations
    }

    /// Decodes counters; one a report leaves out (a proxy of an older version that did not
    /// count it) is 0.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        func count(_ key: CodingKeys) throws -> Int { try container.decodeIfPresent(Int.self, forKey: key) ?? 0 }
        self.hits = try count(.hits)
        self.tierHits = try count(.tierHits)
        self.misses = try count(.misses)
        self.evictions = try count(.evictions)
        self.lostObjects = try count(.lostObjects)
        self.expirations = try count(.expirations)
    }
}
