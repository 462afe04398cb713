import ChunkWire
import InfiniCacheClient
import InfiniCacheNode
import InfiniCacheProxy
import InfiniCacheTesting
import NIOCore
import TestSupport
import Testing

@Suite("Redundancy by size")
struct ReplicationTests {
    @Test("the policy replicates objects up to the threshold and one chunk, and erasure-codes the rest")
    func policy() {
        let configuration = ClientConfiguration(dataChunkCount: 10, parityChunkCount: 2, maxChunkLength: 32 << 10, replicationThreshold: 64 << 10)
        #expect(configuration.coding(forObjectLength: 0) == (1, 2))
        #expect(configuration.coding(forObjectLength: 32 << 10) == (1, 2))
        #expect(configuration.coding(forObjectLength: (32 << 10) + 1) == (10, 2), "a replica is one whole chunk")
        let wide = ClientConfiguration(replicationThreshold: 64 << 10)
        #expect(wide.coding(forObjectLength: 64 << 10) == (1, 2))
        #expect(wide.coding(forObjectLength: (64 << 10) + 1) == (10, 2))
        let off = ClientConfiguration(replicationThreshold: 0)
        #expect(off.coding(forObjectLength: 0) == (10, 2))
        #expect(off.coding(forObjectLength: 1) == (10, 2))
        #expect(ClientConfiguration(replicationThreshold: -5).replicationThreshold == 0)
    }

    @Test("a small object lives on r + 1 nodes as whole replicas, a large one on k + r; both read back")
    func placement() async throws {
        let cluster = try await LocalCluster.start(wiring: .inProcess)
        defer { Task { await cluster.stop() } }
        let small = ByteBuffer(bytes: randomBytes(count: 1000, seed: 21))
        let large = ByteBuffer(bytes: randomBytes(count: 100_000, seed: 22))
        try await cluster.client.put("small", small)
        try await cluster.client.put("large", large)
        #expect(cluster.proxy.functions(holding: "small")?.count == 3)
        #expect(cluster.proxy.functions(holding: "large")?.count == 12)
        #expect(cluster.nodes.reduce(0) { $0 + $1.store.chunkCount } == 3 + 12)
        #expect(try await cluster.client.get("small") == small)
        #expect(try await cluster.client.get("large") == large)
        #expect(try await cluster.client.get(ByteBuffer(string: "small"), range: 10..<20) == small.getSlice(at: 10, length: 10))
    }

    @Test("a replicated object survives r lost nodes, and a read asks the next replica at once when one is gone")
    func survivesLostReplicas() async throws {
        let cluster = try await LocalCluster.start(wiring: .inProcess, nodeCount: 3, client: ClientConfiguration(timeout: .seconds(10)), smallObjectTierBudget: 0)
        defer { Task { await cluster.stop() } }
        let value = ByteBuffer(bytes: randomBytes(count: 4000, seed: 23))
        try await cluster.client.put("kept", value)
        await cluster.kill(node: 0)
        await cluster.kill(node: 2)
        for _ in 0..<10 {
            #expect(try await cluster.client.get("kept") == value)
        }
    }

    @Test("a hedged read does not wait for a slow replica: another is asked after the hedge delay")
    func hedgedRead() async throws {
        // Reads that began at node 0 would time out after 10 s if no other replica were
        // asked (node 0 answers after 30 s). Under the whole suite's load a get can wait
        // most of a second for the shared executor, so a shorter timeout leaves too little
        // margin.
        let cluster = try await LocalCluster.start(
            wiring: .inProcess, nodeCount: 3, client: ClientConfiguration(timeout: .seconds(10)),
            respondDelays: [0: .seconds(30)], delayedOpcodes: [.getChunk], smallObjectTierBudget: 0
        )
        defer { Task { await cluster.stop() } }
        let value = ByteBuffer(bytes: randomBytes(count: 1000, seed: 24))
        try await cluster.client.put("hedged", value)
        for _ in 0..<30 {
            #expect(try await cluster.client.get("hedged") == value)
        }
    }
}
