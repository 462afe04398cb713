@testable import InfiniCacheNode
import NIOCore
import Synchronization
import Testing

@Suite("Put log of a chunk store")
struct PutLogTests {
    @Test("replacing and deleting chunks keeps the log within twice the chunks held")
    func bounded() throws {
        let store = ChunkStore(capacity: 1 << 20)
        for round in 0..<1000 {
            let address = ChunkStore.Address(key: ByteBuffer(string: "k\(round % 10)"), version: 1, stripe: 0, chunk: UInt8(round % 3))
            try store.put(ChunkStore.Chunk(payload: ByteBuffer(bytes: [UInt8(round % 256)]), checksum: 0, k: 1, r: 1, objectLength: 1), at: address)
            if round % 7 == 0 {
                store.delete(key: ByteBuffer(string: "k\((round + 3) % 10)"), version: 0)
            }
            let logged = store.state.withLock { $0.putLog.entries.count }
            #expect(logged <= 2 * store.chunkCount + 1, "round \(round): \(logged) entries for \(store.chunkCount) chunks")
        }
    }

    @Test("the entries after a sequence number are found by binary search, in order")
    func entriesAfter() {
        var log = PutLog()
        for sequence in stride(from: 2, through: 20, by: 2) {
            log.append(ChunkStore.Address(key: ByteBuffer(string: "k"), version: 1, stripe: UInt32(sequence), chunk: 0), sequence: UInt64(sequence))
        }
        #expect(log.entries(after: 0).map(\.sequence) == Array(stride(from: 2, through: 20, by: 2)))
        #expect(log.entries(after: 7).map(\.sequence) == [8, 10, 12, 14, 16, 18, 20])
        #expect(log.entries(after: 8).map(\.sequence) == [10, 12, 14, 16, 18, 20])
        #expect(log.entries(after: 20).isEmpty)
    }
}
