import ChunkTransport
import ChunkTransportInProcess
import ChunkWire
@testable import InfiniCacheLifecycle
import InfiniCacheNode
import NIOCore
import Testing

@Suite("Sync relay")
struct SyncRelayTests {
    private func put(_ key: String, bytes: Int, on node: CacheNode) throws {
        let payload = ByteBuffer(repeating: 7, count: bytes)
        let chunk = ChunkStore.Chunk(payload: payload, checksum: CRC32C.checksum(Array(payload.readableBytesView)), k: 1, r: 1, objectLength: UInt64(bytes))
        try node.store.put(chunk, at: ChunkStore.Address(key: ByteBuffer(string: key), version: 1, stripe: 0, chunk: 0))
    }

    @Test("a full copy whose first page ends below the backup's old mark completes, not 'no progress'")
    func fullCopyBelowOldMark() async throws {
        let primary = CacheNode(capacity: 1 << 30, syncPageBytes: 1000)
        let backup = CacheNode(capacity: 1 << 30)
        for index in 0..<10 {
            try self.put("k\(index)", bytes: 500, on: primary)
        }
        let toPrimary = InProcessTransport(to: primary)
        let toBackup = InProcessTransport(to: backup)
        #expect(try await SyncRelay.sync(from: toPrimary, to: toBackup) == 5000)
        // More deletes than the primary remembers: the backup's mark can no longer be
        // caught up, and the next sync is a full copy in pages of two chunks.
        for index in 0...65_536 {
            try self.put("gone\(index)", bytes: 1, on: primary)
            primary.store.delete(key: ByteBuffer(string: "gone\(index)"), version: 1)
        }
        try self.put("k10", bytes: 500, on: primary)
        #expect(try await SyncRelay.sync(from: toPrimary, to: toBackup) == 5500)
        #expect(backup.store.chunkCount == 11)
        await toPrimary.close()
        await toBackup.close()
    }
}
