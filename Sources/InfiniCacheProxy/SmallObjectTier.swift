import ChunkWire
import NIOCore

/// Whole copies of small replicated objects kept in the proxy's own memory, so that a GET
/// of one is answered in one round trip, with no node asked: the committed version of each
/// key only, within a byte budget, least recently used out first. The nodes still hold the
/// object's replicas, which remain what eviction, backup and failover work on; the tier is
/// a copy that may be dropped at any time.
struct SmallObjectTier: Sendable {
    /// One object's bytes as the client wrote them, with their CRC-32C.
    struct Entry: Sendable {
        var version: UInt32
        var bytes: ByteBuffer
        var checksum: UInt32
    }

    /// Most bytes the tier charges for (objects, keys and bookkeeping); 0 turns it off.
    let budget: Int
    /// Longest object kept.
    let objectLimit: Int
    private var entries: [ByteBuffer: Entry] = [:]
    private var order = LRUOrder<ByteBuffer>()
    /// Bytes charged for the entries held.
    private(set) var usedBytes = 0

    /// What an entry costs beyond its object and key: dictionary and list bookkeeping.
    static let entryOverhead = 128

    init(budget: Int, objectLimit: Int) {
        self.budget = max(budget, 0)
        self.objectLimit = max(objectLimit, 0)
    }

    var count: Int { self.entries.count }

    /// Keeps `entry` as `key`'s, if it is short enough and fits the budget, evicting the
    /// least recently used entries to make room. Its bytes and `key` must be buffers of
    /// their own (see ``compactEntry(version:bytes:checksum:)``), not slices of a larger
    /// buffer they arrived in, which the tier would otherwise keep alive.
    mutating func insert(_ key: ByteBuffer, _ entry: Entry) {
        self.remove(key)
        let cost = Self.cost(key: key, length: entry.bytes.readableBytes)
        guard entry.bytes.readableBytes <= self.objectLimit, cost <= self.budget else { return }
        while self.usedBytes + cost > self.budget, let victim = self.order.leastRecent {
            self.remove(victim)
        }
        self.entries[key] = entry
        self.order.touch(key)
        self.usedBytes += cost
    }

    /// An entry holding a copy of `bytes` in a buffer of exactly their size: made before
    /// taking the proxy's lock, as copying is no bookkeeping.
    static func compactEntry(version: UInt32, bytes: ByteBuffer, checksum: UInt32) -> Entry {
        Entry(version: version, bytes: ByteBuffer(bytes: bytes.readableBytesView), checksum: checksum)
    }

    /// The bytes of version `version` of `key`, if held (marking them used).
    mutating func entry(_ key: ByteBuffer, version: UInt32) -> Entry? {
        guard let entry = self.entries[key], entry.version == version else { return nil }
        self.order.touch(key)
        return entry
    }

    /// Drops `key`'s entry, if any.
    mutating func remove(_ key: ByteBuffer) {
        guard let entry = self.entries.removeValue(forKey: key) else { return }
        self.order.remove(key)
        self.usedBytes -= Self.cost(key: key, length: entry.bytes.readableBytes)
    }

    private static func cost(key: ByteBuffer, length: Int) -> Int {
        length + key.readableBytes + Self.entryOverhead
    }
}
