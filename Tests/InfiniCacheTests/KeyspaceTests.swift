import ChunkWire
import InfiniCacheClient
import InfiniCacheNode
import InfiniCacheProxy
import InfiniCacheStatistics
import InfiniCacheTesting
import NIOCore
import TestSupport
import Testing

@Suite("Expiry and the keyspace")
struct KeyspaceTests {
    private func cluster(_ clock: ManualWallClock) async throws -> LocalCluster {
        try await LocalCluster.start(wiring: .inProcess, nodeCount: 6, client: ClientConfiguration(dataChunkCount: 4, parityChunkCount: 2, replicationThreshold: 0), wallClock: { clock.milliseconds })
    }

    private func storedChunks(_ cluster: LocalCluster) -> Int {
        cluster.nodes.reduce(0) { $0 + $1.store.chunkCount }
    }

    /// Waits (boundedly) for the proxy's chunk deletions, which it sends without waiting.
    private func waitForChunks(_ cluster: LocalCluster, toBe count: Int) async throws {
        for _ in 0..<200 where self.storedChunks(cluster) != count {
            try await Task.sleep(for: .milliseconds(5))
        }
        #expect(self.storedChunks(cluster) == count)
    }

    @Test("an object read after its expiry time is missing at once, and its chunks are deleted")
    func expiryOnASimulatedClock() async throws {
        let clock = ManualWallClock()
        let cluster = try await self.cluster(clock)
        defer { Task { await cluster.stop() } }
        let value = ByteBuffer(repeating: 7, count: 10_000)
        try await cluster.client.put("session", value, expiresIn: .seconds(10))
        try await cluster.client.put("forever", value)
        #expect(try await cluster.client.ttl("session") == .milliseconds(10_000))
        #expect(try await cluster.client.ttl("forever") == .forever)
        #expect(try await cluster.client.ttl("missing") == nil)
        clock.advance(by: 9_999)
        #expect(try await cluster.client.get("session") == value)
        #expect(try await cluster.client.ttl("session") == .milliseconds(1))
        clock.advance(by: 1)
        #expect(try await cluster.client.get("session") == nil)
        #expect(try await cluster.client.exists("session") == false)
        #expect(try await cluster.client.delete("session") == false)
        #expect(cluster.proxy.statistics().counters.expirations == 1)
        #expect(cluster.proxy.statistics().objects == 1)
        try await self.waitForChunks(cluster, toBe: 6)
    }

    @Test("the sweep removes expired objects nobody asks for, soonest first and at most its limit")
    func sweep() async throws {
        let clock = ManualWallClock()
        let cluster = try await self.cluster(clock)
        defer { Task { await cluster.stop() } }
        for index in 0..<5 {
            try await cluster.client.put("k\(index)", ByteBuffer(string: "v"), expiry: .after(milliseconds: Int64(100 * (index + 1))))
        }
        try await cluster.client.expire("k4", .never)
        #expect(cluster.proxy.sweepExpiredObjects() == 0)
        clock.advance(by: 350)
        #expect(cluster.proxy.sweepExpiredObjects(limit: 2) == 2)
        #expect(try await cluster.client.exists("k2") == false)
        #expect(cluster.proxy.sweepExpiredObjects() == 0, "k2 was removed when it was read")
        clock.advance(by: 10_000)
        #expect(cluster.proxy.sweepExpiredObjects() == 1, "k3 expires; k4 no longer does")
        #expect(cluster.proxy.statistics().counters.expirations == 4)
        #expect(try await cluster.client.exists("k4"))
        try await self.waitForChunks(cluster, toBe: 6)
    }

    @Test("expire sets, moves and removes an expiry; a time already passed deletes the object; keep carries it over a put")
    func expireAndKeep() async throws {
        let clock = ManualWallClock()
        let cluster = try await self.cluster(clock)
        defer { Task { await cluster.stop() } }
        let client = cluster.client
        try await client.put("a", ByteBuffer(string: "1"))
        #expect(try await client.expire("a", .after(milliseconds: 5_000)))
        #expect(try await client.ttl("a") == .milliseconds(5_000))
        #expect(try await client.expire("a", .at(millisecondsSinceEpoch: clock.milliseconds + 2_000)))
        #expect(try await client.ttl("a") == .milliseconds(2_000))
        try await client.put("a", ByteBuffer(string: "2"), expiry: .keep)
        #expect(try await client.ttl("a") == .milliseconds(2_000))
        try await client.put("a", ByteBuffer(string: "3"))
        #expect(try await client.ttl("a") == .forever, "a plain put replaces the expiry")
        #expect(try await client.expire("missing", .after(milliseconds: 1)) == false)
        #expect(try await client.expire("a", .after(milliseconds: -1)))
        #expect(try await client.get("a") == nil)
        await #expect(throws: InfiniCacheError.self) { try await client.expire("a", .keep) }
        try await self.waitForChunks(cluster, toBe: 0)
    }

    @Test("a scan lists every key that stays cached exactly once while others come and go; flush empties the cache")
    func scanAndFlush() async throws {
        let clock = ManualWallClock()
        let cluster = try await self.cluster(clock)
        defer { Task { await cluster.stop() } }
        let client = cluster.client
        for index in 0..<60 {
            try await client.put("key-\(index)", ByteBuffer(string: "\(index)"))
        }
        try await client.expire("key-59", .after(milliseconds: 1))
        clock.advance(by: 1)
        var seen: [String] = []
        var cursor: UInt64 = 0
        var pages = 0
        repeat {
            let page = try await client.scan(from: cursor, count: 7)
            #expect(page.keys.count <= 7)
            seen += page.keys.map { String(buffer: $0) }
            cursor = page.cursor
            pages += 1
            // Churn while scanning: odd keys above 40 go, new keys arrive.
            if pages == 2 {
                for index in stride(from: 41, to: 59, by: 2) {
                    try await client.delete("key-\(index)")
                }
                try await client.put("late", ByteBuffer(string: "x"))
            }
        } while cursor != 0 && pages < 100
        let stayed = Set((0..<59).filter { $0 <= 40 || $0 % 2 == 0 }.map { "key-\($0)" })
        #expect(stayed.isSubset(of: Set(seen)))
        #expect(seen.filter { stayed.contains($0) }.count == stayed.count, "no key listed twice")
        #expect(!seen.contains("key-59"), "an expired key is not listed")
        try await client.flush()
        #expect(cluster.proxy.statistics().objects == 0)
        #expect(try await client.scan(from: 0, count: 100).keys.isEmpty)
        try await self.waitForChunks(cluster, toBe: 0)
    }
}
