/// What the proxy saw of its functions' lives since it started.
public struct LifecycleCounters: Codable, Sendable, Hashable {
    /// Invocations the proxy made: to serve, to warm up, and of backup instances.
    public var invocations = 0
    /// Of those, how many started a new instance with empty memory.
    public var coldStarts = 0
    /// Times a function's next invocation landed on an instance other than its primary,
    /// because the provider had reclaimed the primary.
    public var reclaimsSeen = 0
    /// Of those, how many landed on a backup instance that held a synced copy.
    public var failovers = 0
    /// Chunks the mapping places on a function that its new instance does not hold: all
    /// of them after a cold start, those written after the last sync after a failover.
    /// An estimate from counts: chunks already lost and still mapped count again at the
    /// next reclaim of the same function.
    public var chunksLost = 0
    /// Delta syncs completed, and failed (the backup keeps the mark of the last page it
    /// committed, or none, and the next sync starts from there).
    public var syncs = 0
    public var failedSyncs = 0
    /// Chunk payload bytes that crossed the relay from primaries to backups.
    public var bytesSynced = 0

    /// Creates counters at zero.
    public init() {}
}
