import Foundation
import FunctionPlatform
import InfiniCacheStatistics
import InfiniCacheClient
import NIOCore

/// `e2e`: GET and PUT of 1 KiB to 100 MiB objects through the whole cache (client → proxy
/// → 12 nodes, 10 + 2), beside `redis-server` storing the same objects, in one run; plus
/// first-d under a 200 ms straggler, and a node's resident memory at its cap. For 1 KiB
/// objects it also times `exists` against Redis' EXISTS: a round trip to the proxy that
/// touches no node, which tells the proxy hop's share of a small GET from the nodes'.
struct E2ESuite {
    static let sizes = [1 << 10, 1 << 20, 10 << 20, 100 << 20]
    /// Operations in flight in the throughput rows.
    static let concurrency = 4

    let settings: BenchSettings
    let separateProcesses: Bool

    /// Operations per (system, op, size), spread over interleaved blocks.
    private func operations(size: Int) -> Int {
        let full = size <= 1 << 10 ? 2000 : size <= 1 << 20 ? 200 : size <= 10 << 20 ? 40 : 8
        return self.settings.quick ? max(full / 10, 4) : full
    }

    func run() async throws -> [BenchRow] {
        let redis = try RedisServer()
        do {
            let rows = try await self.run(redis: redis)
            await redis.stop()
            return rows
        } catch {
            await redis.stop()
            throw error
        }
    }

    private func run(redis: RedisServer) async throws -> [BenchRow] {
        var redisConnections: [RESPConnection] = []
        for _ in 0..<Self.concurrency {
            redisConnections.append(try await redis.connect())
        }
        progress("e2e: starting the cache (\(self.separateProcesses ? "separate processes" : "embedded"))")
        let capacity = self.separateProcesses ? 256 : 1024
        let cache = try await BenchCluster.start(separateProcesses: self.separateProcesses, nodeCapacityMiB: capacity, straggler: nil, client: ClientConfiguration())
        var rows: [BenchRow] = []
        do {
            for size in Self.sizes {
                progress("e2e \(formatBytes(size))")
                rows += try await self.compare(size: size, cache: cache.client, redis: redisConnections)
            }
            rows += try await self.straggler(baseline: cache.client)
            if self.separateProcesses {
                rows += try await self.residentMemory(cache, capacityMiB: capacity)
            }
        } catch {
            await cache.stop()
            throw error
        }
        await cache.stop()
        for connection in redisConnections {
            await connection.close()
        }
        return rows
    }

    /// Latency percentiles and throughput of PUT and GET, the two systems interleaved
    /// block by block.
    private func compare(size: Int, cache: InfiniCacheClient, redis redisConnections: [RESPConnection]) async throws -> [BenchRow] {
        let redis = redisConnections[0]
        let value = ByteBuffer(bytes: pseudoRandomBytes(count: size))
        let keys = (0..<4).map { "e2e-\(size)-\($0)" }
        let operations = self.operations(size: size)
        let blocks = min(4, operations)
        var cachePut = Timings(), cacheGet = Timings(), redisPut = Timings(), redisGet = Timings()
        var cacheExists = Timings(), redisExists = Timings()
        let timesExists = size == 1 << 10
        // Warm-up: connections, codecs, allocator pools, Redis' memory.
        for key in keys {
            try await cache.put(key, value)
            try await redis.set(key, value)
        }
        guard try await cache.get(keys[0]) == value, try await redis.get(keys[0]) == value else {
            throw RedisError("a warm-up read did not return the object written")
        }
        for block in 0..<blocks {
            let count = operations / blocks
            let cacheFirst = block.isMultiple(of: 2)
            for turn in 0..<2 {
                if (turn == 0) == cacheFirst {
                    try await cachePut.measure(count) { try await cache.put(keys[$0 % keys.count], value) }
                    try await cacheGet.measure(count) { _ = try await cache.get(keys[$0 % keys.count]) }
                    if timesExists {
                        try await cacheExists.measure(count) { _ = try await cache.exists(keys[$0 % keys.count]) }
                    }
                } else {
                    try await redisPut.measure(count) { try await redis.set(keys[$0 % keys.count], value) }
                    try await redisGet.measure(count) { _ = try await redis.get(keys[$0 % keys.count]) }
                    if timesExists {
                        try await redisExists.measure(count) { _ = try await redis.exists(keys[$0 % keys.count]) }
                    }
                }
            }
        }
        var rows = cachePut.latencyRows(op: "put", size: size, against: redisPut) + cacheGet.latencyRows(op: "get", size: size, against: redisGet)
        if timesExists {
            rows += cacheExists.latencyRows(op: "exists", size: size, against: redisExists)
        }
        rows += try await self.throughput(size: size, value: value, keys: keys, cache: cache, redis: redisConnections)
        return rows
    }

    /// Object bytes per second with ``concurrency`` operations in flight (one Redis
    /// connection each; the cache client shares its connections), the two systems
    /// alternating.
    private func throughput(size: Int, value: ByteBuffer, keys: [String], cache: InfiniCacheClient, redis: [RESPConnection]) async throws -> [BenchRow] {
        let perWorker = max(self.operations(size: size) / Self.concurrency, 2)
        var seconds = ["cache-put": 0.0, "redis-put": 0.0, "cache-get": 0.0, "redis-get": 0.0]
        for round in 0..<2 {
            for system in round == 0 ? ["cache", "redis"] : ["redis", "cache"] {
                for op in ["put", "get"] {
                    let took = try await ContinuousClock().measure {
                        try await withThrowingTaskGroup(of: Void.self) { group in
                            for worker in 0..<Self.concurrency {
                                group.addTask {
                                    for index in 0..<perWorker {
                                        let key = keys[(worker + index) % keys.count]
                                        switch (system, op) {
                                        case ("cache", "put"): try await cache.put(key, value)
                                        case ("cache", _): _ = try await cache.get(key)
                                        case (_, "put"): try await redis[worker].set(key, value)
                                        default: _ = try await redis[worker].get(key)
                                        }
                                    }
                                }
                            }
                            try await group.waitForAll()
                        }
                    }
                    seconds["\(system)-\(op)", default: 0] += took.seconds
                }
            }
        }
        let bytes = Double(2 * Self.concurrency * perWorker * size)
        return ["put", "get"].map { op in
            BenchRow(suite: "e2e", op: op, metric: "throughput", unit: "MB/s", value: bytes / seconds["cache-\(op)"]! / 1e6, k: 10, r: 2, size: size, threads: Self.concurrency)
                .comparedTo(bytes / seconds["redis-\(op)"]! / 1e6, named: "redis")
        }
    }

    /// p50 GET latency of 10 MiB objects with one node answering 200 ms late, against the
    /// same figure without the straggler, measured alternately.
    private func straggler(baseline: InfiniCacheClient) async throws -> [BenchRow] {
        progress("e2e straggler-200ms")
        let slow = try await BenchCluster.start(separateProcesses: self.separateProcesses, nodeCapacityMiB: 1024, straggler: .milliseconds(200), client: ClientConfiguration())
        do {
            let rows = try await self.compareStraggler(slow.client, baseline: baseline)
            await slow.stop()
            return rows
        } catch {
            await slow.stop()
            throw error
        }
    }

    private func compareStraggler(_ slow: InfiniCacheClient, baseline: InfiniCacheClient) async throws -> [BenchRow] {
        let value = ByteBuffer(bytes: pseudoRandomBytes(count: 10 << 20))
        try await slow.put("straggler", value)
        try await baseline.put("straggler", value)
        var withStraggler = Timings(), without = Timings()
        let operations = self.operations(size: 10 << 20)
        for _ in 0..<4 {
            try await without.measure(operations / 4) { _ in _ = try await baseline.get("straggler") }
            try await withStraggler.measure(operations / 4) { _ in _ = try await slow.get("straggler") }
        }
        let row = BenchRow(suite: "e2e", op: "get", metric: "p50_latency", unit: "ms", value: withStraggler.percentile(50), k: 10, r: 2, size: 10 << 20, threads: 1, variant: "straggler-200ms")
        return [row.comparedTo(without.percentile(50), named: "no-straggler")]
    }

    /// Fills every node to its cap with 10 MiB objects (the proxy evicts as it goes) and
    /// reports the largest node's resident memory against the cap.
    private func residentMemory(_ cache: BenchCluster, capacityMiB: Int) async throws -> [BenchRow] {
        progress("e2e node memory at a \(capacityMiB) MiB cap")
        let value = ByteBuffer(bytes: pseudoRandomBytes(count: 10 << 20))
        let objects = (BenchCluster.nodeCount * capacityMiB) / 12 + 8  // 12 MiB coded each, past the total cap
        for index in 0..<objects {
            try await cache.client.put("fill-\(index)", value)
        }
        let resident = cache.nodeProcesses.compactMap { ProcessMemory.residentBytes(of: $0.processIdentifier) }.max() ?? 0
        let row = BenchRow(suite: "e2e", op: "node-fill", metric: "resident_memory", unit: "MiB", value: Double(resident) / Double(1 << 20), k: 10, r: 2, size: 10 << 20, threads: 1, variant: "cap-\(capacityMiB)MiB")
        return [row.comparedTo(Double(capacityMiB), named: "node-cap")]
    }
}
