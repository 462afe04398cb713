public import ChunkWire
public import NIOCore
import Synchronization

/// The chunks a cache node holds, under a hard cap on their bytes: a put that would
/// exceed the cap is refused, never silently dropped, and nothing is evicted here (the
/// proxy decides what to evict). A chunk counts against the cap with its key and a fixed
/// charge for bookkeeping (`StorageCharge`), as the proxy's placement counts it.
public final class ChunkStore: Sendable {
    /// Where a chunk belongs: object key, object version, stripe and chunk index.
    public struct Address: Hashable, Sendable {
        public var key: ByteBuffer
        public var version: UInt32
        public var stripe: UInt32
        public var chunk: UInt8

        public init(key: ByteBuffer, version: UInt32, stripe: UInt32, chunk: UInt8) {
            self.key = key
            self.version = version
            self.stripe = stripe
            self.chunk = chunk
        }
    }

    /// A stored chunk and what a reader needs to use it.
    public struct Chunk: Sendable {
        public var payload: ByteBuffer
        public var checksum: UInt32
        public var k: UInt8
        public var r: UInt8
        public var objectLength: UInt64

        /// Creates a chunk; `checksum` is the CRC-32C of `payload` as its writer computed it.
        public init(payload: ByteBuffer, checksum: UInt32, k: UInt8, r: UInt8, objectLength: UInt64) {
            self.payload = payload
            self.checksum = checksum
            self.k = k
            self.r = r
            self.objectLength = objectLength
        }
    }

    struct Entry {
        var chunk: Chunk
        /// The change that stored it, for delta sync.
        var sequence: UInt64
    }

    struct State {
        var chunks: [Address: Entry] = [:]
        var addressesByKey: [ByteBuffer: Set<Address>] = [:]
        var usedBytes = 0
        var journal = ChangeJournal()
        var putLog = PutLog()
    }

    /// Most bytes the store holds, charged as `StorageCharge` says.
    public let capacity: Int
    let state = Mutex(State())

    /// Creates an empty store holding at most `capacity` bytes of charged chunks. It keeps the last
    /// `retainedDeletes` deletes for delta sync; a backup further behind gets a full copy.
    public init(capacity: Int, retainedDeletes: Int = 65_536) {
        self.capacity = max(capacity, 0)
        self.state.withLock { $0.journal = ChangeJournal(retainedDeletes: retainedDeletes) }
    }

    /// Bytes charged for the chunks held now: payloads, keys and bookkeeping.
    public var usedBytes: Int {
        self.state.withLock { $0.usedBytes }
    }

    /// Chunks held now.
    public var chunkCount: Int {
        self.state.withLock { $0.chunks.count }
    }

    /// Stores `chunk` at `address`, replacing a chunk already there.
    ///
    /// A payload that is a small slice of a much larger buffer (several small frames that
    /// arrived in one read share it) is copied into a buffer of its own size first, so a
    /// stored chunk never pins more than twice its size; larger chunks are kept as received.
    ///
    /// - Throws: ``ErrorMessage`` with code `capacityExceeded` if the store would exceed
    ///   its capacity.
    public func put(_ chunk: Chunk, at address: Address) throws(ErrorMessage) {
        var chunk = chunk
        if chunk.payload.storageCapacity > 2 * chunk.payload.readableBytes {
            var own = ByteBufferAllocator().buffer(capacity: chunk.payload.readableBytes)
            own.writeImmutableBuffer(chunk.payload)
            chunk.payload = own
        }
        // The key arrived as a slice of a receive buffer too: keep a compact copy.
        var address = address
        address.key = ByteBuffer(bytes: address.key.readableBytesView)
        let size = StorageCharge.standard.bytes(payloadLength: chunk.payload.readableBytes, keyLength: address.key.readableBytes)
        try self.state.withLock { state throws(ErrorMessage) in
            let replaced = state.chunks[address].map { StorageCharge.standard.bytes(payloadLength: $0.chunk.payload.readableBytes, keyLength: address.key.readableBytes) }
            guard state.usedBytes - (replaced ?? 0) + size <= self.capacity else {
                throw ErrorMessage(.capacityExceeded, "\(size) more bytes would exceed the node's cap of \(self.capacity) (\(state.usedBytes) used)")
            }
            state.usedBytes += size - (replaced ?? 0)
            let sequence = state.journal.recordPut()
            state.chunks[address] = Entry(chunk: chunk, sequence: sequence)
            state.addressesByKey[address.key, default: []].insert(address)
            state.putLog.append(address, sequence: sequence)
            if replaced != nil {
                state.putLog.noteStale(1, chunks: state.chunks)
            }
        }
    }

    /// The chunk at `address`, if held.
    public func chunk(at address: Address) -> Chunk? {
        self.state.withLock { $0.chunks[address]?.chunk }
    }

    /// Drops every chunk, as a reclaimed function loses its memory. The change journal
    /// and sync marks are kept: the drop is not a change a backup should copy.
    public func removeAll() {
        self.state.withLock { state in
            state.chunks.removeAll()
            state.addressesByKey.removeAll()
            state.putLog.removeAll()
            state.usedBytes = 0
        }
    }

    /// Removes every chunk of `key` with `version` (every version when `version` is 0) and
    /// returns how many were removed.
    @discardableResult
    public func delete(key: ByteBuffer, version: UInt32) -> Int {
        self.state.withLock { state in
            // Taken out while it changes, so that what remains is not copied.
            guard var addresses = state.addressesByKey.removeValue(forKey: key) else {
                return 0
            }
            let doomed: Set<Address>
            if version == 0 || addresses.allSatisfy({ $0.version == version }) {
                (doomed, addresses) = (addresses, [])
            } else {
                doomed = addresses.filter { $0.version == version }
                addresses.subtract(doomed)
            }
            for address in doomed {
                if let removed = state.chunks.removeValue(forKey: address) {
                    state.usedBytes -= StorageCharge.standard.bytes(payloadLength: removed.chunk.payload.readableBytes, keyLength: address.key.readableBytes)
                }
            }
            if let kept = addresses.first {
                // Under a stored chunk's own key, not `key`, which may be a slice of a
                // receive buffer that the store would then keep alive.
                state.addressesByKey[kept.key] = addresses
            }
            if !doomed.isEmpty {
                state.journal.recordDelete(key: key, version: version)
                state.putLog.noteStale(doomed.count, chunks: state.chunks)
            }
            return doomed.count
        }
    }
}
