import ChunkTransport
import ChunkWire
import ErasureCoding
@testable import InfiniCacheProxy
import InfiniCacheStatistics
import NIOCore
import TestSupport
import Testing

@Suite("Proxy state machine")
struct ProxyStateTests {
    private let start = ContinuousClock.now

    /// A state with `count` nodes of `capacity` bytes.
    private func state(nodes count: Int, capacity: Int = 1 << 20, uploadTimeout: Duration = .seconds(120)) -> ProxyState {
        var state = ProxyState(uploadTimeout: uploadTimeout)
        for index in 0..<count {
            _ = state.addNode(functionID: "node-\(index)", transport: UnusedTransport(), capacity: capacity)
        }
        return state
    }

    /// What a node is charged for one 5-byte chunk of a 1-byte key, as the objects below have.
    private let chunkCharge = StorageCharge.standard.bytes(payloadLength: 5, keyLength: 1)

    private func layout(_ length: Int, k: Int = 2, r: Int = 1, maxChunk: Int = 1 << 20) throws -> StripeLayout {
        try StripeLayout(objectLength: length, dataChunkCount: k, parityChunkCount: r, maxChunkLength: maxChunk)
    }

    /// Places `key` and stores every chunk; returns the committed record.
    @discardableResult
    private func store(_ key: String, length: Int, in state: inout ProxyState) throws -> ObjectRecord {
        let record = try state.beginUpload(key: ByteBuffer(string: key), layout: self.layout(length), now: self.start).get().record
        for stripe in record.placement.indices {
            for chunk in 0..<(record.k + record.r) {
                let replaced = state.chunkStored(record.id, stripe: stripe, chunk: chunk)
                #expect(replaced != nil)
            }
        }
        return record
    }

    @Test("a version commits only when every chunk is stored, a chunk stored twice counting once")
    func commit() throws {
        var state = self.state(nodes: 3)
        let record = try state.beginUpload(key: ByteBuffer(string: "k"), layout: self.layout(10), now: self.start).get().record
        #expect(Set(record.placement[0]).count == 3, "a stripe's chunks go to distinct nodes")
        let firstCopy = state.chunkStored(record.id, stripe: 0, chunk: 0)
        #expect(firstCopy == [])
        let secondCopy = state.chunkStored(record.id, stripe: 0, chunk: 0)
        #expect(secondCopy == [])
        let second = state.chunkStored(record.id, stripe: 0, chunk: 1)
        #expect(second == [])
        #expect(state.record(for: ByteBuffer(string: "k")) == nil)
        let last = state.chunkStored(record.id, stripe: 0, chunk: 2)
        #expect(last == [])
        #expect(state.record(for: ByteBuffer(string: "k"))?.version == record.version)
        #expect(state.uploadTarget(of: self.chunk(of: record)) == nil, "a committed upload takes no more chunks")
    }

    @Test("an upload target must match the object's shape")
    func uploadTarget() throws {
        var state = self.state(nodes: 3)
        let record = try state.beginUpload(key: ByteBuffer(string: "k"), layout: self.layout(10), now: self.start).get().record
        #expect(state.uploadTarget(of: self.chunk(of: record, chunk: 2))?.node == record.placement[0][2])
        #expect(state.uploadTarget(of: self.chunk(of: record, stripe: 1)) == nil)
        #expect(state.uploadTarget(of: self.chunk(of: record, chunk: 3)) == nil)
        #expect(state.uploadTarget(of: self.chunk(of: record, length: 6)) == nil)
        #expect(state.uploadTarget(of: self.chunk(of: record, k: 1)) == nil, "the object's k")
        #expect(state.uploadTarget(of: self.chunk(of: record, r: 2)) == nil, "the object's r")
        #expect(state.uploadTarget(of: self.chunk(of: record, objectLength: 11)) == nil, "the object's length")
    }

    /// A `putChunk` of `record`'s upload; by default chunk 0 of stripe 0 as the object has it.
    private func chunk(of record: ObjectRecord, stripe: Int = 0, chunk: Int = 0, length: Int = 5, k: Int? = nil, r: Int? = nil, objectLength: Int? = nil) -> Frame {
        Frame(
            .putChunk, key: record.key, stripeIndex: UInt32(stripe), chunkIndex: UInt8(chunk),
            k: UInt8(k ?? record.k), r: UInt8(r ?? record.r), objectLength: UInt64(objectLength ?? record.objectLength),
            objectVersion: record.version, payload: ByteBuffer(repeating: 0, count: length)
        )
    }

    @Test("an overwritten version read meanwhile is deleted when its last reader ends")
    func retiredWhileRead() throws {
        var state = self.state(nodes: 3)
        let old = try self.store("k", length: 10, in: &state)
        let readingHit = state.beginRead(ByteBuffer(string: "k"))
        let reading = try #require(readingHit)
        #expect(reading.version == old.version)
        try self.store("k", length: 10, in: &state)
        #expect(state.record(for: ByteBuffer(string: "k"))?.version != old.version)
        let deletions = state.endRead(reading, lost: false)
        #expect(Set(deletions.map(\.node)) == Set(old.placement[0]))
        #expect(deletions.allSatisfy { $0.version == old.id })
    }

    @Test("a write that does not fit evicts the least recently used object")
    func eviction() throws {
        // Three nodes with room for two objects of 5-byte chunks each.
        var state = self.state(nodes: 3, capacity: 2 * self.chunkCharge)
        let first = try self.store("a", length: 10, in: &state)
        try self.store("b", length: 10, in: &state)
        let touchedHit = state.beginRead(ByteBuffer(string: "a"))
        let touched = try #require(touchedHit)
        _ = state.endRead(touched, lost: false)
        let placed = try state.beginUpload(key: ByteBuffer(string: "c"), layout: self.layout(10), now: self.start).get()
        #expect(state.record(for: ByteBuffer(string: "b")) == nil, "b was used least recently")
        #expect(state.record(for: ByteBuffer(string: "a"))?.version == first.version)
        #expect(placed.evicted.count == 3)
        #expect(state.statistics().counters.evictions == 1)
    }

    @Test("uploads that need more nodes or bytes than the cache has are refused")
    func refusals() throws {
        var state = self.state(nodes: 2, capacity: 100)
        #expect(throws: UploadRefusal.self) {
            _ = try state.beginUpload(key: ByteBuffer(string: "k"), layout: self.layout(10), now: self.start).get()
        }
        var small = self.state(nodes: 3, capacity: self.chunkCharge - 1)
        #expect(throws: UploadRefusal.self) {
            _ = try small.beginUpload(key: ByteBuffer(string: "k"), layout: self.layout(10), now: self.start).get()
        }
    }

    @Test("an upload past its deadline is dropped by the next one, and its space released")
    func expiry() throws {
        // Room for one chunk of a 5-byte key per node.
        var state = self.state(nodes: 3, capacity: StorageCharge.standard.bytes(payloadLength: 5, keyLength: 5), uploadTimeout: .seconds(1))
        let stale = try state.beginUpload(key: ByteBuffer(string: "stale"), layout: self.layout(10), now: self.start).get().record
        let fresh = try state.beginUpload(key: ByteBuffer(string: "fresh"), layout: self.layout(10), now: self.start + .seconds(2)).get()
        #expect(Set(fresh.evicted.map(\.version)) == [stale.id])
        let afterExpiry = state.chunkStored(stale.id, stripe: 0, chunk: 0)
        #expect(afterExpiry == nil)
    }

    @Test("uploads expire in the order they began, only past their deadline; finished ones never expire")
    func expiryOrder() throws {
        var state = self.state(nodes: 3, uploadTimeout: .seconds(1))
        let stale = try state.beginUpload(key: ByteBuffer(string: "stale"), layout: self.layout(10), now: self.start).get().record
        // Many uploads finish in between: their entries are passed over, not expired.
        var finished: [ObjectRecord] = []
        for index in 0..<300 {
            finished.append(try self.store("finished-\(index)", length: 10, in: &state))
        }
        let aborted = try state.beginUpload(key: ByteBuffer(string: "aborted"), layout: self.layout(10), now: self.start).get().record
        #expect(state.abortUpload(aborted.id).count == 3)
        let pending = try state.beginUpload(key: ByteBuffer(string: "pending"), layout: self.layout(10), now: self.start + .milliseconds(500)).get().record
        let next = try state.beginUpload(key: ByteBuffer(string: "next"), layout: self.layout(10), now: self.start + .milliseconds(1200)).get()
        #expect(Set(next.evicted.map(\.version)) == [stale.id], "only the upload past its deadline is dropped")
        #expect(state.uploadTarget(of: self.chunk(of: pending)) != nil, "an upload within its deadline stays")
        for record in finished {
            #expect(state.record(for: record.key)?.version == record.version)
        }
        let late = try state.beginUpload(key: ByteBuffer(string: "late"), layout: self.layout(10), now: self.start + .seconds(4)).get()
        #expect(Set(late.evicted.map(\.version)) == [pending.id, next.record.id])
    }

    @Test("an upload whose chunks keep arriving outlives the timeout; one that stops does not")
    func progressMovesTheDeadline() throws {
        var state = self.state(nodes: 3, uploadTimeout: .seconds(2))
        let slow = try state.beginUpload(key: ByteBuffer(string: "slow"), layout: self.layout(10), now: self.start).get().record
        let stalled = try state.beginUpload(key: ByteBuffer(string: "stalled"), layout: self.layout(10), now: self.start).get().record
        #expect(state.chunkStored(slow.id, stripe: 0, chunk: 0, now: self.start + .seconds(1)) == [])
        #expect(state.chunkStored(slow.id, stripe: 0, chunk: 1, now: self.start + .milliseconds(2500)) == [])
        let dropped = state.expireUploads(now: self.start + .milliseconds(3500))
        #expect(Set(dropped.map(\.version)) == [stalled.id], "the slow upload's last chunk moved its deadline to 4.5 s")
        #expect(state.chunkStored(slow.id, stripe: 0, chunk: 2, now: self.start + .seconds(4)) == [])
        #expect(state.record(for: ByteBuffer(string: "slow"))?.version == slow.version)
    }

    @Test("a version that keeps the replaced one's expiry does not inherit a time already passed")
    func keepNeverInheritsThePast() throws {
        var state = self.state(nodes: 3)
        let key = ByteBuffer(string: "k")
        for (expiresAt, wallClock, kept) in [(Int64(5_000), Int64(4_000), Int64?(5_000)), (5_000, 6_000, nil)] {
            let first = try state.beginUpload(key: key, layout: self.layout(10), expiry: .at(millisecondsSinceEpoch: expiresAt), now: self.start).get().record
            for chunk in 0..<3 {
                _ = state.chunkStored(first.id, stripe: 0, chunk: chunk)
            }
            let second = try state.beginUpload(key: key, layout: self.layout(10), expiry: .keep, now: self.start).get().record
            for chunk in 0..<3 {
                _ = state.chunkStored(second.id, stripe: 0, chunk: chunk, wallClock: wallClock)
            }
            #expect(state.record(for: key)?.expiresAt == kept)
        }
    }

    @Test("a reader that finds the object lost removes it, once")
    func lost() throws {
        var state = self.state(nodes: 3)
        let record = try self.store("k", length: 10, in: &state)
        let firstHit = state.beginRead(ByteBuffer(string: "k"))
        let first = try #require(firstHit)
        let secondHit = state.beginRead(ByteBuffer(string: "k"))
        let second = try #require(secondHit)
        let whileRead = state.endRead(first, lost: true)
        #expect(whileRead.isEmpty, "another reader still reads it")
        #expect(state.record(for: ByteBuffer(string: "k")) == nil)
        let afterLastReader = state.endRead(second, lost: true)
        #expect(afterLastReader.count == Set(record.placement[0]).count)
        #expect(state.statistics().counters.lostObjects == 1)
    }

    @Test("metric changes are differences since the last report")
    func metricChanges() throws {
        var state = self.state(nodes: 3)
        _ = state.takeMetricChanges()
        try self.store("k", length: 10, in: &state)
        let miss = state.beginRead(ByteBuffer(string: "missing"))
        #expect(miss == nil)
        let hit = state.beginRead(ByteBuffer(string: "k"))
        let record = try #require(hit)
        _ = state.endRead(record, lost: false)
        let changes = state.takeMetricChanges()
        #expect(changes == ProxyMetrics.Changes(objects: 1, bytes: 10, hits: 1, misses: 1))
        let noChanges = state.takeMetricChanges()
        #expect(noChanges == ProxyMetrics.Changes())
        _ = state.delete(ByteBuffer(string: "k"))
        let afterDelete = state.takeMetricChanges()
        #expect(afterDelete == ProxyMetrics.Changes(objects: -1, bytes: -10))
    }
}

extension Deletion: Equatable {
    static func == (left: Deletion, right: Deletion) -> Bool {
        left.node == right.node && left.version == right.version
    }
}

@Suite("Node pool placement")
struct NodePoolTests {
    @Test("every stripe goes to distinct nodes, the stripes spread over all nodes, all or nothing")
    func placement() throws {
        var pool = NodePool()
        for index in 0..<5 {
            _ = pool.add(functionID: "node-\(index)", transport: UnusedTransport(), capacity: 100)
        }
        let reserved = pool.reserve(width: 3, charges: Array(repeating: 10, count: 5))
        let placement = try #require(reserved)
        #expect(placement.allSatisfy { Set($0).count == 3 })
        #expect(Set(placement.joined()).count == 5)
        #expect(pool.nodes.values.map(\.used).sorted() == [30, 30, 30, 30, 30])
        // 3 chunks of 80 bytes: only the nodes' 70 free bytes each are left, so nothing is reserved.
        let tooBig = pool.reserve(width: 3, charges: [10, 80])
        #expect(tooBig == nil)
        #expect(pool.totalFree == 350)
    }
}
