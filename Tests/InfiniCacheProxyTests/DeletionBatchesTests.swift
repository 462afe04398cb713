@testable import InfiniCacheProxy
import NIOCore
import Synchronization
import Testing

@Suite("Deletion batches")
struct DeletionBatchesTests {
    private let node = NodeID(value: 1)
    private let other = NodeID(value: 2)

    private func versions(_ names: String..., version: UInt32 = 1) -> [VersionID] {
        names.map { VersionID(key: ByteBuffer(string: $0), version: version) }
    }

    @Test("a lone deletion leaves at once; those asked while it travels wait and leave together, in order")
    func oneInFlightPerNode() throws {
        var batches = DeletionBatches()
        let done = Mutex<[String]>([])
        let firstBatch = batches.add(self.versions("a"), on: self.node) { done.withLock { $0.append("a") } }
        let first = try #require(firstBatch)
        #expect(first.versions == self.versions("a") && batches.isInFlight(to: self.node))
        #expect(batches.add(self.versions("b", "c"), on: self.node) { done.withLock { $0.append("bc") } } == nil)
        #expect(batches.add(self.versions("d"), on: self.node) { done.withLock { $0.append("d") } } == nil)
        let elsewhereBatch = batches.add(self.versions("e"), on: self.other) {}
        let elsewhere = try #require(elsewhereBatch, "another node's batch does not wait")
        #expect(elsewhere.node == self.other)

        first.completions.forEach { $0() }
        let secondBatch = batches.answered(self.node)
        let second = try #require(secondBatch)
        #expect(second.versions == self.versions("b", "c", "d"))
        #expect(second.completions.count == 2, "one per add, run once its last deletion is answered")
        second.completions.forEach { $0() }
        #expect(done.withLock { $0 } == ["a", "bc", "d"])
        #expect(batches.answered(self.node) == nil)
        #expect(!batches.isInFlight(to: self.node), "nothing waited: the node is idle again")
        #expect(batches.add(self.versions("f"), on: self.node) {} != nil, "so the next deletion leaves at once")
    }

    @Test("a batch holds at most its byte budget but always one version; an add's completion rides with its last version")
    func byteBudget() throws {
        // Each 10-byte key takes 16 bytes; with the 4-byte count, 2 fit in 40 bytes.
        var batches = DeletionBatches(maximumBatchBytes: 40)
        let versions = (0..<5).map { VersionID(key: ByteBuffer(string: String(repeating: "\($0)", count: 10)), version: 1) }
        let firstBatch = batches.add(versions, on: self.node) {}
        let first = try #require(firstBatch)
        #expect(first.versions == Array(versions[0..<2]) && first.completions.isEmpty)
        let secondBatch = batches.answered(self.node)
        let second = try #require(secondBatch)
        #expect(second.versions == Array(versions[2..<4]) && second.completions.isEmpty)
        let thirdBatch = batches.answered(self.node)
        let third = try #require(thirdBatch)
        #expect(third.versions == [versions[4]] && third.completions.count == 1)
        #expect(batches.answered(self.node) == nil)

        var tight = DeletionBatches(maximumBatchBytes: 1)
        let longBatch = tight.add(self.versions("a long key"), on: self.node) {}
        let long = try #require(longBatch)
        #expect(long.versions.count == 1, "a version over the budget still leaves, alone")
    }

    @Test("no versions: the completion runs at once and nothing is sent")
    func empty() {
        var batches = DeletionBatches()
        let ran = Atomic(false)
        #expect(batches.add([], on: self.node) { ran.store(true, ordering: .relaxed) } == nil)
        #expect(ran.load(ordering: .relaxed) && !batches.isInFlight(to: self.node))
    }

    @Test("a batch's answer hands the next batch to the sending loop if it came before the request returned, else to its own thread")
    func handoff() throws {
        var batches = DeletionBatches()
        let added = batches.add(self.versions("a"), on: self.node) {}
        let batch = try #require(added)

        let inline = BatchHandoff()
        #expect(inline.answered(next: batch) == nil, "answered while sending: the loop sends the next")
        #expect(inline.requestReturned()?.versions == batch.versions)

        let later = BatchHandoff()
        #expect(later.requestReturned() == nil)
        #expect(later.answered(next: batch)?.versions == batch.versions, "answered after: the answer's thread sends it")
    }
}
