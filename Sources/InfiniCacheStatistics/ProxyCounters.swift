

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
}
