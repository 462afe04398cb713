public import ErasureCoding
public import InfiniCacheClient
public import InfiniCacheTraces

/// What holding every distinct object of a workload at once costs the cache's nodes under
/// a client's coding: coded bytes (every chunk of every stripe, padding included) against
/// object bytes. With ``ClientConfiguration/replicationThreshold``, objects up to it are
/// stored as r + 1 whole replicas ((r + 1)× their size) and the rest as k + r stripes
/// (about (k + r) / k×); the footprint says what that mix costs on a given size
/// distribution.
public struct StorageFootprint: Sendable, Hashable {
    /// Distinct objects.
    public var objects = 0
    /// Of those, objects stored as whole replicas.
    public var replicatedObjects = 0
    /// Their bytes.
    public var objectBytes = 0
    /// Of those, bytes of objects stored as whole replicas.
    public var replicatedObjectBytes = 0
    /// Bytes their chunks take on the nodes.
    public var codedBytes = 0

    /// Coded bytes per object byte (1 for an empty workload).
    public var overhead: Double {
        self.objectBytes > 0 ? Double(self.codedBytes) / Double(self.objectBytes) : 1
    }

    /// The footprint of objects of `sizes` (bytes, one per object) coded as `configuration`
    /// codes them.
    ///
    /// - Throws: ``ErasureCodingError`` `invalidParameters` if `configuration`'s coding is
    ///   invalid or a size is negative.
    public init(objectSizes sizes: some Sequence<Int>, configuration: ClientConfiguration) throws(ErasureCodingError) {
        for size in sizes {
            let (k, r) = configuration.coding(forObjectLength: size)
            let coded = try StripeLayout(objectLength: size, dataChunkCount: k, parityChunkCount: r, maxChunkLength: configuration.maxChunkLength).codedLength
            self.objects += 1
            self.objectBytes += size
            self.codedBytes += coded
            if k == 1 {
                self.replicatedObjects += 1
                self.replicatedObjectBytes += size
            }
        }
    }

    /// The footprint of `trace`'s distinct objects (keys read or written; a delete carries
    /// no size), each at the largest size it was requested at (a partial read reports fewer
    /// bytes than the object holds).
    ///
    /// - Throws: ``ErasureCodingError`` `invalidParameters` if `configuration`'s coding is invalid.
    public init(trace: Trace, configuration: ClientConfiguration) throws(ErasureCodingError) {
        var sizes: [String: Int] = [:]
        for request in trace.requests where request.operation != .delete {
            sizes[request.key] = max(sizes[request.key] ?? 0, request.size)
        }
        try self.init(objectSizes: sizes.values, configuration: configuration)
    }
}
