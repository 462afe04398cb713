import ChunkTransport
import ChunkTransportInProcess
import ChunkWire
import InfiniCacheNode
import NIOCore
import Testing

@Suite("Cache node")
struct CacheNodeTests {
    private func address(_ key: String, version: UInt32) -> ChunkStore.Address {
        ChunkStore.Address(key: ByteBuffer(string: key), version: version, stripe: 0, chunk: 0)
    }

    private func put(_ key: String, version: UInt32, on node: CacheNode) throws {
        let payload = ByteBuffer(repeating: 7, count: 10)
        let chunk = ChunkStore.Chunk(payload: payload, checksum: CRC32C.checksum(Array(payload.readableBytesView)), k: 1, r: 0, objectLength: 10)
        try node.store.put(chunk, at: self.address(key, version: version))
    }

    @Test("deleteVersions removes each listed version, every version for 0, and nothing else")
    func deleteVersions() async throws {
        let node = CacheNode(capacity: 1 << 20)
        for (key, version) in [("a", 1), ("a", 2), ("b", 1), ("b", 2), ("c", 1)] {
            try self.put(key, version: UInt32(version), on: node)
        }
        let transport = InProcessTransport(to: node)
        var payload = ByteBuffer()
        DeletionList([
            .init(key: ByteBuffer(string: "a"), version: 1),
            .init(key: ByteBuffer(string: "b"), version: 0),
            .init(key: ByteBuffer(string: "absent"), version: 3),
        ]).write(to: &payload)
        let answer = try await transport.request(Frame(.deleteVersions, payload: payload))
        #expect(answer.opcode == .deleted)
        #expect(node.store.chunk(at: self.address("a", version: 1)) == nil)
        #expect(node.store.chunk(at: self.address("a", version: 2)) != nil)
        #expect(node.store.chunk(at: self.address("b", version: 1)) == nil && node.store.chunk(at: self.address("b", version: 2)) == nil)
        #expect(node.store.chunkCount == 2)
        await transport.close()
    }

    @Test("a malformed deletion list is answered with badRequest and removes nothing, not even its whole entries")
    func malformedDeleteVersions() async throws {
        let node = CacheNode(capacity: 1 << 20)
        try self.put("a", version: 1, on: node)
        let transport = InProcessTransport(to: node)
        // Two entries announced: a whole one for the stored chunk, then one cut short.
        let answer = try await transport.request(Frame(.deleteVersions, payload: ByteBuffer(bytes: [2, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0x61, 1, 0, 0, 0, 5, 0, 0x61])))
        #expect(answer.opcode == .error)
        #expect(try ErrorMessage(from: answer).code == .badRequest)
        #expect(node.store.chunkCount == 1)
        await transport.close()
    }
}
