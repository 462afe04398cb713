import ChunkTransport
import ChunkWire
import ErasureCoding
import InfiniCacheStatistics
import NIOCore

/// Everything the proxy knows, as a state machine: the nodes, the mapping from keys to
/// the committed version of each object, uploads in progress, readers of each version,
/// and the LRU order used for eviction. ``InfiniCacheProxy`` keeps it behind its lock;
/// every method is pure bookkeeping and returns what the caller must do once the lock is
/// released — the node deletions to send, the transport to use — and
/// ``takeMetricChanges()`` what to report to swift-metrics.
struct ProxyState: Sendable {
    private struct Upload: Sendable {
        var record: ObjectRecord
        /// Chunks stored so far, as `stripe × (k + r) + chunk`: a chunk sent twice counts once.
        var stored: Set<Int> = []
        /// Whether the version takes the expiry of the one it replaces (Redis's `KEEPTTL`).
        var keepsExpiry: Bool
        var deadline: ContinuousClock.Instant
    }

    private var nodes = NodePool()
    // Internal, not private, for the keyspace operations in ProxyState+Keyspace.swift.
    var committed: [ByteBuffer: ObjectRecord] = [:]
    /// The committed keys in slots, for scans.
    var keySlots = KeySlots()
    /// Expiry times of committed versions, for the sweep.
    var expiries = ExpiryQueue()
    private var uploads: [VersionID: Upload] = [:]
    /// Uploads with their deadlines in the order the deadlines were set, which is the order
    /// of the deadlines (each is a time read before the lock plus the same timeout, out of
    /// order by microseconds at most): expiry looks at the front only, and drops there the
    /// entries of uploads that already finished or whose deadline moved on (a later entry
    /// has it), so each entry costs O(1) to expire.
    private var uploadOrder = CircularBuffer<(version: VersionID, deadline: ContinuousClock.Instant)>()
    private var readers: [VersionID: Int] = [:]
    /// Versions replaced or evicted while being read: deleted when the last reader ends.
    private var retired: [VersionID: ObjectRecord] = [:]
    private var lru = LRUOrder<ByteBuffer>()
    private var nextVersion: UInt32 = 1
    var counters = ProxyCounters()
    /// Totals over `committed`, kept as it changes so that statistics cost O(nodes).
    private var objectBytes = 0
    private var codedBytes = 0
    /// Committed versions with an expiry time.
    var expiringObjects = 0
    /// The figures as last handed to metrics.
    private var reported = ProxyMetrics.Changes()
    private let uploadTimeout: Duration
    private let storageCharge: StorageCharge
    /// Whole copies of small replicated objects, answered without asking a node.
    private var tier: SmallObjectTier

    /// Placement attempts one upload may make, each after evicting one more object, when
    /// the free room is spread over too few distinct nodes.
    static let maximumPlacementAttempts = 16

    /// Uploads that do not complete within `uploadTimeout` are dropped by the next
    /// ``beginUpload(key:layout:now:)``. Each chunk costs its node `storageCharge`.
    /// `tier` holds small objects' bytes (by default, none).
    init(uploadTimeout: Duration, storageCharge: StorageCharge = .standard, tier: SmallObjectTier = SmallObjectTier(budget: 0, objectLimit: 0)) {
        self.uploadTimeout = uploadTimeout
        self.storageCharge = storageCharge
        self.tier = tier
    }

    // MARK: Nodes

    mutating func addNode(functionID: String, transport: any FrameTransport, capacity: Int) -> NodeID {
        self.nodes.add(functionID: functionID, transport: transport, capacity: capacity)
    }

    /// Forgets a node whose connection is gone; its chunks count as lost from now on.
    mutating func removeNode(_ id: NodeID) {
        self.nodes.remove(id)
    }

    func transport(of id: NodeID) -> (any FrameTransport)? {
        self.nodes.transport(of: id)
    }

    /// Chunks the mapping places on the node that `function` registered as.
    func chunkCount(ofFunction function: String) -> Int {
        self.nodes.nodes.values.first { $0.functionID == function }?.chunks ?? 0
    }

    // MARK: Writes

    /// Places a new version of `key`, evicting least recently used objects until it
    /// fits; returns it with the deletions of the evicted objects' chunks, or the
    /// refusal (which carries the deletions already decided on). The version expires as
    /// `expiry` says at `wallClock` (milliseconds since the Unix epoch), when it commits.
    mutating func beginUpload(key: ByteBuffer, layout: StripeLayout, expiry: ObjectExpiry = .never, wallClock: Int64 = 0, now: ContinuousClock.Instant) -> Result<(record: ObjectRecord, evicted: [Deletion]), UploadRefusal> {
        var deletions = self.expireUploads(now: now)
        let evictionsBefore = self.counters.evictions
        let width = layout.chunksPerStripe
        guard self.nodes.nodes.count >= width else {
            return .failure(UploadRefusal(ErrorMessage(.unavailable, "\(width) chunks per stripe need \(width) nodes; \(self.nodes.nodes.count) are registered"), deletions))
        }
        // Coded bytes exceed object bytes: this bounds the stripe count before it is used.
        guard layout.objectLength <= self.nodes.totalCapacity else {
            return .failure(UploadRefusal(ErrorMessage(.capacityExceeded, "an object of \(layout.objectLength) bytes is larger than the whole cache (\(self.nodes.totalCapacity) bytes)"), deletions))
        }
        let chunkLengths = (0..<layout.stripeCount).map { layout.stripe($0).chunkLength }
        // Nodes are charged for keys and bookkeeping too, as their stores count them.
        let charges = chunkLengths.map { self.storageCharge.bytes(payloadLength: $0, keyLength: key.readableBytes) }
        let bytes = charges.reduce(0) { $0 + $1 * width }
        guard bytes <= self.nodes.totalCapacity else {
            return .failure(UploadRefusal(ErrorMessage(.capacityExceeded, "an object charged \(bytes) bytes on its nodes is larger than the whole cache (\(self.nodes.totalCapacity) bytes)"), deletions))
        }
        // Evict least recently used objects until the free bytes would do, then place;
        // if the free room is on too few distinct nodes, evict one more and try again, a
        // bounded number of times: each attempt costs O(nodes log nodes + stripes × nodes).
        var attempts = 0
        let placement: [[NodeID]]
        while true {
            if self.nodes.totalFree >= bytes {
                attempts += 1
                if let placed = self.nodes.reserve(width: width, charges: charges) {
                    placement = placed
                    break
                }
            }
            guard attempts < Self.maximumPlacementAttempts, let victim = self.lru.leastRecent else {
                return .failure(UploadRefusal(ErrorMessage(.capacityExceeded, "no room for \(bytes) coded bytes on \(width) distinct nodes per stripe, after evicting \(self.counters.evictions - evictionsBefore) objects"), deletions))
            }
            deletions += self.unmap(key: victim)
            self.counters.evictions += 1
        }
        // The key arrived as a slice of a receive buffer: keep a compact copy instead.
        let key = ByteBuffer(bytes: key.readableBytesView)
        let version = self.nextVersion
        self.nextVersion = self.nextVersion == .max ? 1 : self.nextVersion + 1
        let record = ObjectRecord(
            key: key,
            version: version,
            k: layout.dataChunkCount,
            r: layout.parityChunkCount,
            objectLength: layout.objectLength,
            maxChunkLength: layout.maxChunkLength,
            placement: placement,
            chunkLengths: chunkLengths,
            charges: charges,
            expiresAt: expiry.time(now: wallClock, current: nil)
        )
        self.uploads[record.id] = Upload(record: record, keepsExpiry: expiry == .keep, deadline: now + self.uploadTimeout)
        self.uploadOrder.append((record.id, now + self.uploadTimeout))
        return .success((record, deletions))
    }

    /// The node the chunk in `request` (a `putChunk`) goes to, or nil if its upload is
    /// unknown (finished, aborted or expired), its address is outside the object, or its
    /// length or coding (k, r, object length) is not the object's: a chunk that could not
    /// be read back as part of the object is never stored as part of it.
    func uploadTarget(of request: Frame) -> (node: NodeID, transport: any FrameTransport)? {
        let stripe = Int(request.stripeIndex)
        let chunk = Int(request.chunkIndex)
        guard let upload = self.uploads[VersionID(key: request.key, version: request.objectVersion)],
            stripe < upload.record.placement.count,
            chunk < upload.record.k + upload.record.r,
            request.payload.readableBytes == upload.record.chunkLengths[stripe],
            Int(request.k) == upload.record.k, Int(request.r) == upload.record.r,
            request.objectLength == UInt64(upload.record.objectLength)
        else {
            return nil
        }
        let node = upload.record.placement[stripe][chunk]
        return self.nodes.transport(of: node).map { (node, $0) }
    }

    /// Counts a stored chunk; the last one commits the version, replacing the key's
    /// previous version in one step. Returns the replaced version's deletions, or nil if
    /// the upload no longer exists.
    ///
    /// An upload that is still making progress is not dropped: each chunk stored at `now`
    /// moves its deadline to `now` plus the upload timeout (an upload whose bytes arrive
    /// as a client sends them may take longer than the timeout in all). A version that
    /// keeps the replaced one's expiry keeps it only if it has not passed at `wallClock`.
    mutating func chunkStored(_ version: VersionID, stripe: Int, chunk: Int, now: ContinuousClock.Instant? = nil, wallClock: Int64 = .min) -> [Deletion]? {
        // Taken out while it changes, so that its set of stored chunks is not copied.
        guard var upload = self.uploads.removeValue(forKey: version) else { return nil }
        upload.stored.insert(stripe * (upload.record.k + upload.record.r) + chunk)
        guard upload.stored.count == upload.record.chunkCount else {
            // Moved a second or more at a time, so that the order holds few entries per upload.
            // Under the record's id, whose key is compact, not `version`, whose key may be
            // a slice of the buffer the chunk arrived in.
            if let now, now + self.uploadTimeout - upload.deadline >= .seconds(1) {
                upload.deadline = now + self.uploadTimeout
                self.uploadOrder.append((upload.record.id, upload.deadline))
            }
            self.uploads[upload.record.id] = upload
            return []
        }
        if upload.keepsExpiry {
            upload.record.expiresAt = self.committed[version.key]?.expiresAt.flatMap { $0 > wallClock ? $0 : nil }
        }
        let replaced = self.unmap(key: version.key)
        // The record's compact key, not the request's, which may be a slice of a receive buffer.
        let key = upload.record.key
        self.committed[key] = upload.record
        self.keySlots.insert(key)
        if let time = upload.record.expiresAt {
            self.expiringObjects += 1
            self.scheduleExpiry(of: upload.record.id, at: time)
        }
        self.objectBytes += upload.record.objectLength
        self.codedBytes += upload.record.bytes
        self.lru.touch(key)
        return replaced
    }

    /// Abandons an upload whose chunk could not be stored.
    mutating func abortUpload(_ version: VersionID) -> [Deletion] {
        guard let upload = self.uploads.removeValue(forKey: version) else { return [] }
        return self.release(upload.record)
    }

    // MARK: Reads

    /// The committed version of `key` for a reader, who must call ``endRead(_:lost:)``;
    /// nil (a miss) if it is not cached, or if `version` is not 0 and the committed
    /// version is another.
    mutating func beginRead(_ key: ByteBuffer, version: UInt32 = 0) -> ObjectRecord? {
        guard let record = self.committed[key], version == 0 || record.version == version else {
            self.counters.misses += 1
            return nil
        }
        self.counters.hits += 1
        // The record's compact key: the request's may be a slice of a receive buffer,
        // which the order would otherwise keep alive.
        self.lru.touch(record.key)
        self.readers[record.id, default: 0] += 1
        return record
    }

    /// The committed version of `key` (which must be `version` when that is not 0) and
    /// its bytes, if the small-object tier holds them: a read that needs no node, counted as
    /// a hit. Nil otherwise (nothing is counted: the caller reads from the nodes).
    mutating func readFromTier(_ key: ByteBuffer, version: UInt32 = 0) -> (record: ObjectRecord, entry: SmallObjectTier.Entry)? {
        guard let record = self.committed[key], version == 0 || record.version == version, let entry = self.tierHit(record) else {
            return nil
        }
        return (record, entry)
    }

    /// A read of `key` that needs no node, if it is one: the committed version's bytes from
    /// the small-object tier (counted as a hit), or `missing` if `key` is not cached
    /// (counted as a miss); `notInTier` otherwise, counting nothing.
    mutating func lookUpInTier(_ key: ByteBuffer) -> InfiniCacheProxy.TierLookup {
        guard let record = self.committed[key] else {
            self.counters.misses += 1
            return .missing
        }
        return self.tierHit(record).map { .found($0.bytes) } ?? .notInTier
    }

    /// The tier's entry for committed `record`, if it holds one, counted as a hit.
    private mutating func tierHit(_ record: ObjectRecord) -> SmallObjectTier.Entry? {
        guard let entry = self.tier.entry(record.key, version: record.version) else { return nil }
        self.counters.hits += 1
        self.counters.tierHits += 1
        self.lru.touch(record.key)
        return entry
    }

    /// Keeps `entry` — the bytes of a version of `key`, in a buffer of their own — in the
    /// small-object tier, if that is the committed version and it is replicated (one chunk
    /// is the whole object).
    mutating func keepInTier(_ key: ByteBuffer, _ entry: SmallObjectTier.Entry) {
        guard let record = self.committed[key], record.version == entry.version, record.k == 1 else { return }
        self.tier.insert(record.key, entry)
    }

    /// Ends a read; if the reader found the object lost, it is removed from the mapping.
    mutating func endRead(_ record: ObjectRecord, lost: Bool) -> [Deletion] {
        let id = record.id
        var deletions: [Deletion] = []
        if lost, self.committed[id.key]?.version == id.version {
            self.counters.lostObjects += 1
            deletions += self.unmap(key: id.key)
        }
        let remaining = (self.readers[id] ?? 1) - 1
        self.readers[id] = remaining > 0 ? remaining : nil
        if remaining <= 0, let retired = self.retired.removeValue(forKey: id) {
            deletions += self.release(retired)
        }
        return deletions
    }

    /// The committed version of `key`, without counting a read.
    func record(for key: ByteBuffer) -> ObjectRecord? {
        self.committed[key]
    }

    /// The functions holding chunks of the committed version of `key`, or nil if it is
    /// not mapped.
    func functions(holding key: ByteBuffer) -> Set<String>? {
        self.committed[key].map { record in
            Set(record.placement.joined().compactMap { self.nodes.nodes[$0]?.functionID })
        }
    }

    /// Removes `key`; nil if it is not mapped.
    mutating func delete(_ key: ByteBuffer) -> [Deletion]? {
        guard self.committed[key] != nil else { return nil }
        return self.unmap(key: key)
    }

    // MARK: Reports

    func statistics() -> ProxyStatistics {
        ProxyStatistics(
            objects: self.committed.count,
            bytes: self.objectBytes,
            codedBytes: self.codedBytes,
            expiringObjects: self.expiringObjects,
            tierObjects: self.tier.count,
            tierBytes: self.tier.usedBytes,
            counters: self.counters,
            nodes: self.nodes.nodes.sorted { $0.key.value < $1.key.value }.map {
                ProxyStatistics.Node(id: $0.key.value, functionID: $0.value.functionID, capacity: $0.value.capacity, used: $0.value.used)
            }
        )
    }

    /// What changed in the figures metrics report since the last call, in O(1).
    mutating func takeMetricChanges() -> ProxyMetrics.Changes {
        let now = ProxyMetrics.Changes(
            objects: self.committed.count,
            bytes: self.objectBytes,
            nodes: self.nodes.nodes.count,
            hits: self.counters.hits,
            tierHits: self.counters.tierHits,
            misses: self.counters.misses,
            evictions: self.counters.evictions,
            lostObjects: self.counters.lostObjects,
            expirations: self.counters.expirations
        )
        defer { self.reported = now }
        return ProxyMetrics.Changes(
            objects: now.objects - self.reported.objects,
            bytes: now.bytes - self.reported.bytes,
            nodes: now.nodes - self.reported.nodes,
            hits: now.hits - self.reported.hits,
            tierHits: now.tierHits - self.reported.tierHits,
            misses: now.misses - self.reported.misses,
            evictions: now.evictions - self.reported.evictions,
            lostObjects: now.lostObjects - self.reported.lostObjects,
            expirations: now.expirations - self.reported.expirations
        )
    }

    // MARK: Helpers

    /// Removes `key`'s committed version from the mapping; its chunks go now, or when its
    /// last reader ends.
    mutating func unmap(key: ByteBuffer) -> [Deletion] {
        guard let record = self.committed.removeValue(forKey: key) else { return [] }
        self.tier.remove(key)
        self.keySlots.remove(key)
        if record.expiresAt != nil {
            self.expiringObjects -= 1
        }
        self.objectBytes -= record.objectLength
        self.codedBytes -= record.bytes
        self.lru.remove(key)
        if self.readers[record.id] != nil {
            self.retired[record.id] = record
            return []
        }
        return self.release(record)
    }

    private mutating func release(_ record: ObjectRecord) -> [Deletion] {
        var nodes = Set<NodeID>()
        for (stripe, placement) in record.placement.enumerated() {
            for node in placement {
                self.nodes.release(node, bytes: record.charges[stripe])
                nodes.insert(node)
            }
        }
        return nodes.map { Deletion(node: $0, version: record.id) }
    }

    /// Drops the uploads whose deadline has passed at `now`; returns their chunks' deletions.
    mutating func expireUploads(now: ContinuousClock.Instant) -> [Deletion] {
        var deletions: [Deletion] = []
        while let (id, deadline) = self.uploadOrder.first {
            if let upload = self.uploads[id], upload.deadline == deadline {
                guard upload.deadline < now else { break }
                self.uploads[id] = nil
                deletions += self.release(upload.record)
            }
            self.uploadOrder.removeFirst()
        }
        return deletions
    }
}
