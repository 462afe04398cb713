import ChunkWire
import InfiniCacheClient
import InfiniCacheProxy
import InfiniCacheStatistics
import InfiniCacheTesting
import NIOCore
import TestSupport
import Testing

@Suite("Small-object tier in a cluster")
struct SmallObjectTierClusterTests {
    @Test("a small object is read from the proxy with no node asked, and follows overwrites, deletes and expiry")
    func servedFromTheProxy() async throws {
        let clock = ManualWallClock()
        // Every node answers a chunk read 30 s late: a read that asked one would time out.
        let cluster = try await LocalCluster.start(
            wiring: .inProcess, nodeCount: 3, client: ClientConfiguration(timeout: .seconds(2)),
            respondDelays: [0: .seconds(30), 1: .seconds(30), 2: .seconds(30)], delayedOpcodes: [.getChunk], wallClock: { clock.milliseconds }
        )
        defer { Task { await cluster.stop() } }
        let first = ByteBuffer(bytes: randomBytes(count: 3000, seed: 41))
        let second = ByteBuffer(bytes: randomBytes(count: 5000, seed: 42))
        try await cluster.client.put("small", first)
        #expect(try await cluster.client.get("small") == first)
        #expect(try await cluster.client.get(ByteBuffer(string: "small"), range: 100..<200) == first.getSlice(at: 100, length: 100))
        try await cluster.client.put("small", second, expiresIn: .seconds(5))
        #expect(try await cluster.client.get("small") == second)
        var statistics = cluster.proxy.statistics()
        #expect(statistics.counters.tierHits == 3 && statistics.tierObjects == 1)
        #expect(statistics.tierBytes == 5000 + 5 + 128)
        clock.advance(by: 5_000)
        #expect(try await cluster.client.get("small") == nil, "expired")
        try await cluster.client.put("small", first)
        try await cluster.client.delete("small")
        #expect(try await cluster.client.get("small") == nil, "deleted")
        statistics = cluster.proxy.statistics()
        #expect(statistics.tierObjects == 0 && statistics.tierBytes == 0)
    }

    @Test("lookUpInTier answers a value in the tier or a key not cached, counting each, and sees expiry and deletes")
    func lookUpInTier() async throws {
        let clock = ManualWallClock()
        let cluster = try await LocalCluster.start(wiring: .inProcess, wallClock: { clock.milliseconds }, smallObjectLimit: 1000)
        defer { Task { await cluster.stop() } }
        let small = ByteBuffer(repeating: 1, count: 1000)
        try await cluster.client.put("small", small, expiresIn: .seconds(5))
        try await cluster.client.put("larger", ByteBuffer(repeating: 2, count: 1001))
        #expect(cluster.proxy.lookUpInTier(ByteBuffer(string: "small")) == .found(small))
        #expect(cluster.proxy.lookUpInTier(ByteBuffer(string: "larger")) == .notInTier, "read it from the nodes")
        #expect(cluster.proxy.lookUpInTier(ByteBuffer(string: "missing")) == .missing)
        var statistics = cluster.proxy.statistics()
        #expect(statistics.counters.tierHits == 1 && statistics.counters.hits == 1 && statistics.counters.misses == 1, "not in the tier counts nothing")
        clock.advance(by: 5_000)
        #expect(cluster.proxy.lookUpInTier(ByteBuffer(string: "small")) == .missing, "expired")
        #expect(try await cluster.client.get("small") == nil)
        try await cluster.client.put("small", small)
        #expect(cluster.proxy.lookUpInTier(ByteBuffer(string: "small")) == .found(small))
        try await cluster.client.delete("small")
        #expect(cluster.proxy.lookUpInTier(ByteBuffer(string: "small")) == .missing, "deleted")
        statistics = cluster.proxy.statistics()
        #expect(statistics.counters.expirations == 1 && statistics.tierObjects == 0)
        let off = try await LocalCluster.start(wiring: .inProcess, smallObjectTierBudget: 0)
        defer { Task { await off.stop() } }
        try await off.client.put("small", small)
        #expect(off.proxy.lookUpInTier(ByteBuffer(string: "small")) == .notInTier, "with the tier off, only misses are answered")
        #expect(off.proxy.lookUpInTier(ByteBuffer(string: "other")) == .missing)
    }

    @Test("objects above the tier's limit, and erasure-coded ones, are read from the nodes")
    func onlySmallReplicatedObjects() async throws {
        let cluster = try await LocalCluster.start(wiring: .inProcess, smallObjectLimit: 1000)
        defer { Task { await cluster.stop() } }
        let small = ByteBuffer(repeating: 1, count: 1000)
        let larger = ByteBuffer(repeating: 2, count: 1001)
        let coded = ByteBuffer(repeating: 3, count: 100_000)
        try await cluster.client.put("small", small)
        try await cluster.client.put("larger", larger)
        try await cluster.client.put("coded", coded)
        #expect(try await cluster.client.get("small") == small)
        #expect(try await cluster.client.get("larger") == larger)
        #expect(try await cluster.client.get("coded") == coded)
        let statistics = cluster.proxy.statistics()
        #expect(statistics.tierObjects == 1 && statistics.counters.tierHits == 1 && statistics.counters.hits == 3)
    }
}
