import ChunkTransport
import ChunkWire
import ErasureCoding
import NIOCore
import Synchronization

/// Everything the proxy knows, behind one lock: the nodes, the mapping from keys to the
/// committed version of each object, uploads in progress, readers of each version, and
/// the LRU order used for eviction. Methods return the node deletions their caller must
/// send once the lock is released.
final class ProxyState: Sendable {
    fileprivate struct Upload {
        var record: ObjectRecord
        /// Chunks stored so far, as `stripe × (k + r) + chunk`: a chunk sent twice counts once.
        var stored: Set<Int> = []
        var deadline: ContinuousClock.Instant
    }

    fileprivate struct State {
        var nodes = NodePool()
        var committed: [ByteBuffer: ObjectRecord] = [:]
        var uploads: [VersionID: Upload] = [:]
        var readers: [VersionID: Int] = [:]
        /// Versions replaced or evicted while being read: deleted when the last reader ends.
        var retired: [VersionID: ObjectRecord] = [:]
        var lru = LRUOrder<ByteBuffer>()
        var nextVersion: UInt32 = 1
        var counters = ProxyCounters()
        /// Totals over `committed`, kept as it changes so that statistics cost O(nodes).
        var objectBytes = 0
        var codedBytes = 0
    }

    private let state = Mutex(State())
    private let metrics = ProxyMetrics()
    private let uploadTimeout: Duration

    init(uploadTimeout: Duration) {
        self.uploadTimeout = uploadTimeout
    }

    // MARK: Nodes

    func addNode(functionID: String, transport: any NodeTransport, capacity: Int) -> NodeID {
        self.state.withLock { $0.nodes.add(functionID: functionID, transport: transport, capacity: capacity) }
    }

    /// Forgets a node whose connection is gone; its chunks count as lost from now on.
    func removeNode(_ id: NodeID) {
        self.state.withLock { $0.nodes.remove(id) }
    }

    func transport(of id: NodeID) -> (any NodeTransport)? {
        self.state.withLock { $0.nodes.transport(of: id) }
    }

    /// Chunks the mapping places on the node that `function` registered as.
    func chunkCount(ofFunction function: String) -> Int {
        self.state.withLock { state in
            state.nodes.nodes.values.first { $0.functionID == function }?.chunks ?? 0
        }
    }

    // MARK: Writes

    /// Places a new version of `key` and returns it, evicting least recently used objects
    /// until it fits.
    ///
    /// - Throws: ``UploadRefusal``, carrying the deletions already decided on.
    func beginUpload(key: ByteBuffer, layout: StripeLayout) throws(UploadRefusal) -> (record: ObjectRecord, evicted: [Deletion]) {
        let now = ContinuousClock.now
        return try self.state.withLock { state throws(UploadRefusal) in
            var deletions = Self.expireUploads(&state, now: now)
            let width = layout.chunksPerStripe
            guard state.nodes.nodes.count >= width else {
                throw UploadRefusal(ErrorMessage(.unavailable, "\(width) chunks per stripe need \(width) nodes; \(state.nodes.nodes.count) are registered"), deletions)
            }
            // Coded bytes exceed object bytes: this bounds the stripe count before it is used.
            guard layout.objectLength <= state.nodes.totalCapacity else {
                throw UploadRefusal(ErrorMessage(.capacityExceeded, "an object of \(layout.objectLength) bytes is larger than the whole cache (\(state.nodes.totalCapacity) bytes)"), deletions)
            }
            let chunkLengths = (0..<layout.stripeCount).map { layout.stripe($0).chunkLength }
            let bytes = chunkLengths.reduce(0) { $0 + $1 * width }
            guard bytes <= state.nodes.totalCapacity else {
                throw UploadRefusal(ErrorMessage(.capacityExceeded, "an object of \(bytes) coded bytes is larger than the whole cache (\(state.nodes.totalCapacity) bytes)"), deletions)
            }
            var placement: [[NodeID]] = []
            while placement.count < chunkLengths.count {
                let chunkLength = chunkLengths[placement.count]
                if let nodes = state.nodes.reserve(count: width, chunkLength: chunkLength) {
                    placement.append(nodes)
                    continue
                }
                guard let victim = state.lru.leastRecent else {
                    for (stripe, nodes) in placement.enumerated() {
                        for node in nodes { state.nodes.release(node, bytes: chunkLengths[stripe]) }
                    }
                    throw UploadRefusal(ErrorMessage(.capacityExceeded, "no room for \(bytes) coded bytes on \(width) distinct nodes, even after evicting every object"), deletions)
                }
                deletions += Self.unmap(&state, key: victim)
                state.counters.evictions += 1
            }
            // The key arrived as a slice of a receive buffer: keep a compact copy instead.
            let key = ByteBuffer(bytes: key.readableBytesView)
            let version = state.nextVersion
            state.nextVersion = state.nextVersion == .max ? 1 : state.nextVersion + 1
            let record = ObjectRecord(
                key: key,
                version: version,
                k: layout.dataChunkCount,
                r: layout.parityChunkCount,
                objectLength: layout.objectLength,
                maxChunkLength: layout.maxChunkLength,
                placement: placement,
                chunkLengths: chunkLengths
            )
            state.uploads[record.id] = Upload(record: record, deadline: now + self.uploadTimeout)
            self.metrics.update(state.summary)
            return (record, deletions)
        }
    }

    /// The node a chunk of an upload goes to, or nil if the upload is unknown (finished,
    /// aborted or expired) or the address is outside the object.
    func uploadTarget(_ version: VersionID, stripe: Int, chunk: Int, length: Int) -> (node: NodeID, transport: any NodeTransport)? {
        self.state.withLock { state in
            guard let upload = state.uploads[version],
                stripe < upload.record.placement.count,
                chunk < upload.record.k + upload.record.r,
                length == upload.record.chunkLengths[stripe]
            else {
                return nil
            }
            let node = upload.record.placement[stripe][chunk]
            return state.nodes.transport(of: node).map { (node, $0) }
        }
    }

    /// Counts a stored chunk; the last one commits the version, replacing the key's
    /// previous version in one step. Returns nil if the upload no longer exists.
    func chunkStored(_ version: VersionID, stripe: Int, chunk: Int) -> [Deletion]? {
        self.state.withLock { state in
            guard var upload = state.uploads[version] else { return nil }
            upload.stored.insert(stripe * (upload.record.k + upload.record.r) + chunk)
            guard upload.stored.count == upload.record.chunkCount else {
                state.uploads[version] = upload
                return []
            }
            state.uploads[version] = nil
            let replaced = Self.unmap(&state, key: version.key)
            state.committed[version.key] = upload.record
            state.objectBytes += upload.record.objectLength
            state.codedBytes += upload.record.bytes
            state.lru.touch(version.key)
            self.metrics.update(state.summary)
            return replaced
        }
    }

    /// Abandons an upload whose chunk could not be stored.
    func abortUpload(_ version: VersionID) -> [Deletion] {
        self.state.withLock { state in
            guard let upload = state.uploads.removeValue(forKey: version) else { return [] }
            return Self.release(&state, upload.record)
        }
    }

    // MARK: Reads

    /// The committed version of `key` for a reader, who must call ``endRead(_:lost:)``.
    func beginRead(_ key: ByteBuffer) -> ObjectRecord? {
        self.state.withLock { state in
            guard let record = state.committed[key] else {
                state.counters.misses += 1
                self.metrics.update(state.summary)
                return nil
            }
            state.counters.hits += 1
            self.metrics.update(state.summary)
            state.lru.touch(key)
            state.readers[record.id, default: 0] += 1
            return record
        }
    }

    /// Ends a read; if the reader found the object lost, it is removed from the mapping.
    func endRead(_ record: ObjectRecord, lost: Bool) -> [Deletion] {
        self.state.withLock { state in
            let id = record.id
            var deletions: [Deletion] = []
            if lost, state.committed[id.key]?.version == id.version {
                state.counters.lostObjects += 1
                deletions += Self.unmap(&state, key: id.key)
            }
            let remaining = (state.readers[id] ?? 1) - 1
            state.readers[id] = remaining > 0 ? remaining : nil
            if remaining <= 0, let retired = state.retired.removeValue(forKey: id) {
                deletions += Self.release(&state, retired)
            }
            self.metrics.update(state.summary)
            return deletions
        }
    }

    /// The committed version of `key`, without counting a read.
    func record(for key: ByteBuffer) -> ObjectRecord? {
        self.state.withLock { $0.committed[key] }
    }

    /// Removes `key`; nil if it is not mapped.
    func delete(_ key: ByteBuffer) -> [Deletion]? {
        self.state.withLock { state in
            guard state.committed[key] != nil else { return nil }
            defer { self.metrics.update(state.summary) }
            return Self.unmap(&state, key: key)
        }
    }

    func statistics() -> ProxyStatistics {
        self.state.withLock { state in
            ProxyStatistics(
                objects: state.committed.count,
                bytes: state.objectBytes,
                codedBytes: state.codedBytes,
                counters: state.counters,
                nodes: state.nodes.nodes.sorted { $0.key.value < $1.key.value }.map {
                    ProxyStatistics.Node(id: $0.key.value, functionID: $0.value.functionID, capacity: $0.value.capacity, used: $0.value.used)
                }
            )
        }
    }

    // MARK: Helpers (called with the lock held)

    /// Removes `key`'s committed version from the mapping; its chunks go now, or when its
    /// last reader ends.
    private static func unmap(_ state: inout State, key: ByteBuffer) -> [Deletion] {
        guard let record = state.committed.removeValue(forKey: key) else { return [] }
        state.objectBytes -= record.objectLength
        state.codedBytes -= record.bytes
        state.lru.remove(key)
        if state.readers[record.id] != nil {
            state.retired[record.id] = record
            return []
        }
        return self.release(&state, record)
    }

    private static func release(_ state: inout State, _ record: ObjectRecord) -> [Deletion] {
        var nodes = Set<NodeID>()
        for (stripe, placement) in record.placement.enumerated() {
            for node in placement {
                state.nodes.release(node, bytes: record.chunkLengths[stripe])
                nodes.insert(node)
            }
        }
        return nodes.map { Deletion(node: $0, version: record.id) }
    }

    private static func expireUploads(_ state: inout State, now: ContinuousClock.Instant) -> [Deletion] {
        var deletions: [Deletion] = []
        for (id, upload) in state.uploads where upload.deadline < now {
            state.uploads[id] = nil
            deletions += self.release(&state, upload.record)
        }
        return deletions
    }
}

extension ProxyState.State {
    /// What swift-metrics reports, in O(1).
    var summary: ProxyMetrics.Summary {
        ProxyMetrics.Summary(objects: self.committed.count, bytes: self.objectBytes, counters: self.counters)
    }
}

/// A refused upload: the reason for the client, and the node deletions that evictions or
/// expiries decided before the refusal, which must still be sent.
struct UploadRefusal: Error {
    var message: ErrorMessage
    var deletions: [Deletion]

    init(_ message: ErrorMessage, _ deletions: [Deletion]) {
        self.message = message
        self.deletions = deletions
    }
}
