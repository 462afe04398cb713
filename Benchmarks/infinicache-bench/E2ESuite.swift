import Foundation
import FunctionPlatform
import InfiniCacheStatistics
import InfiniCacheClient
import NIOCore

/// `e2e`: GET and PUT of 1 KiB to 100 MiB objects through the whole cache (client → proxy
/// → its nodes, coded as `ClientConfiguration()` codes them), beside `redis-server` storing
/// the same objects, in one run; plus first-d under a 200 ms straggler, and a node's
/// resident memory at its cap. For 1 KiB objects it also times `exists` against Redis'
/// EXISTS: a round trip to the proxy that touches no node, which tells the proxy hop's
/// share of a small GET from the nodes'. With `--network emulated`, see ``EmulatedE2E``.
struct E2ESuite {
    static let sizes = [1 << 10, 1 << 20, 10 << 20, 100 << 20]
    /// Operations in flight in the throughput rows.
    static let concurrency = 4

    /// A Redis the cache is compared with: its name in the rows, and one connection per
    /// operation in flight.
    struct Baseline {
        var name: String
        var connections: [RESPConnection]
        /// Its processes, for the CPU each request costs (the first baseline's only).
        var cpuAccount: CPUAccount?

        static func connect(_ name: String, to redis: RedisServer) async throws -> Baseline {
            var connections: [RESPConnection] = []
            for _ in 0..<E2ESuite.concurrency {
                connections.append(try await redis.connect())
            }
            return Baseline(name: name, connections: connections)
        }

        func close() async {
            for connection in self.connections {
                await connection.close()
            }
        }
    }

    let settings: BenchSettings
    let separateProcesses: Bool

    /// Operations per (system, op, size), spread over interleaved blocks.
    func operations(size: Int) -> Int {
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
        var baseline = try await Baseline.connect("redis", to: redis)
        baseline.cpuAccount = redis.cpuAccount
        progress("e2e: starting the cache (\(self.separateProcesses ? "separate processes" : "embedded"))")
        let capacity = self.separateProcesses ? 256 : 1024
        let cache = try await BenchCluster.start(separateProcesses: self.separateProcesses, nodeCapacityMiB: capacity, straggler: nil, client: ClientConfiguration())
        var rows: [BenchRow] = []
        do {
            for size in Self.sizes {
                progress("e2e \(formatBytes(size))")
                rows += try await self.compare(size: size, cache: cache.client, cpu: cache.cpuAccount, baselines: [baseline])
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
        await baseline.close()
        return rows
    }

    /// Latency percentiles and throughput of PUT and GET, the cache and each baseline
    /// taking turns block by block; one row per figure and baseline, marked `variant`.
    /// With `cpu` (the cache's processes) and the first baseline's account, also the CPU
    /// time a sequential PUT and GET cost, by process role.
    func compare(size: Int, cache: InfiniCacheClient, cpu: CPUAccount? = nil, baselines: [Baseline], variant: String? = nil) async throws -> [BenchRow] {
        let value = ByteBuffer(bytes: pseudoRandomBytes(count: size))
        let keys = (0..<4).map { "e2e-\(size)-\($0)" }
        let operations = self.operations(size: size)
        let blocks = min(4, operations)
        let timesExists = size == 1 << 10
        // Per system (the cache first, then the baselines): put, get and exists latencies.
        var timings = Array(repeating: (put: Timings(), get: Timings(), exists: Timings()), count: 1 + baselines.count)
        // Warm-up: connections, codecs, allocator pools, Redis' memory.
        for key in keys {
            try await cache.put(key, value)
            for baseline in baselines {
                try await baseline.connections[0].set(key, value)
            }
        }
        guard try await cache.get(keys[0]) == value else {
            throw RedisError("a warm-up read of the cache did not return the object written")
        }
        for baseline in baselines where try await baseline.connections[0].get(keys[0]) != value {
            throw RedisError("a warm-up read of \(baseline.name) did not return the object written")
        }
        // CPU nanoseconds by role, of the cache's and the first baseline's PUTs and GETs.
        var cacheCPU = (put: [String: UInt64](), get: [String: UInt64]())
        var baselineCPU = (put: [String: UInt64](), get: [String: UInt64]())
        let baselineAccount = baselines.first?.cpuAccount
        func accounted(_ account: CPUAccount?, _ totals: inout [String: UInt64], _ body: () async throws -> Void) async throws {
            guard let account else { return try await body() }
            try await account.measure(into: &totals, body)
        }
        for block in 0..<blocks {
            let count = operations / blocks
            for turn in timings.indices {
                let system = (block + turn) % timings.count
                if system == 0 {
                    try await accounted(cpu, &cacheCPU.put) {
                        try await timings[0].put.measure(count) { try await cache.put(keys[$0 % keys.count], value) }
                    }
                    try await accounted(cpu, &cacheCPU.get) {
                        try await timings[0].get.measure(count) { _ = try await cache.get(keys[$0 % keys.count]) }
                    }
                    if timesExists {
                        try await timings[0].exists.measure(count) { _ = try await cache.exists(keys[$0 % keys.count]) }
                    }
                } else {
                    let redis = baselines[system - 1].connections[0]
                    let account = system == 1 ? baselineAccount : nil
                    try await accounted(account, &baselineCPU.put) {
                        try await timings[system].put.measure(count) { try await redis.set(keys[$0 % keys.count], value) }
                    }
                    try await accounted(account, &baselineCPU.get) {
                        try await timings[system].get.measure(count) { _ = try await redis.get(keys[$0 % keys.count]) }
                    }
                    if timesExists {
                        try await timings[system].exists.measure(count) { _ = try await redis.exists(keys[$0 % keys.count]) }
                    }
                }
            }
        }
        let (k, r) = ClientConfiguration().coding(forObjectLength: size)
        var rows: [BenchRow] = []
        for (index, baseline) in baselines.enumerated() {
            let against = timings[index + 1]
            rows += timings[0].put.latencyRows(op: "put", size: size, k: k, r: r, against: against.put, named: baseline.name, variant: variant)
            rows += timings[0].get.latencyRows(op: "get", size: size, k: k, r: r, against: against.get, named: baseline.name, variant: variant)
            if timesExists {
                rows += timings[0].exists.latencyRows(op: "exists", size: size, k: k, r: r, against: against.exists, named: baseline.name, variant: variant)
            }
        }
        if cpu != nil, let baseline = baselines.first, baseline.cpuAccount != nil {
            let measured = Double(blocks * (operations / blocks))
            rows += Self.cpuRows(op: "put", size: size, k: k, r: r, cache: cacheCPU.put, baseline: baselineCPU.put, named: baseline.name, operations: measured)
            rows += Self.cpuRows(op: "get", size: size, k: k, r: r, cache: cacheCPU.get, baseline: baselineCPU.get, named: baseline.name, operations: measured)
        }
        rows += try await self.throughput(size: size, value: value, keys: keys, cache: cache, baselines: baselines, variant: variant)
        return rows
    }

    /// CPU microseconds per operation: the cache's by role (proxy, nodes, client), and
    /// its total against the baseline's (server and client).
    private static func cpuRows(op: String, size: Int, k: Int, r: Int, cache: [String: UInt64], baseline: [String: UInt64], named name: String, operations: Double) -> [BenchRow] {
        func perOperation(_ nanoseconds: UInt64) -> Double { Double(nanoseconds) / 1000 / operations }
        var rows = ["proxy", "nodes", "client"].map { role in
            BenchRow(suite: "e2e", op: op, metric: "cpu_per_op", unit: "us", value: perOperation(cache[role] ?? 0), k: k, r: r, size: size, threads: 1, variant: "cpu-\(role)")
        }
        let total = BenchRow(suite: "e2e", op: op, metric: "cpu_per_op", unit: "us", value: perOperation(cache.values.reduce(0, +)), k: k, r: r, size: size, threads: 1, variant: "cpu-total")
        rows.append(total.comparedTo(perOperation(baseline.values.reduce(0, +)), named: "\(name)-server-and-client"))
        return rows
    }

    /// Object bytes per second with ``concurrency`` operations in flight (one Redis
    /// connection each; the cache client shares its connections), the systems taking turns.
    private func throughput(size: Int, value: ByteBuffer, keys: [String], cache: InfiniCacheClient, baselines: [Baseline], variant: String?) async throws -> [BenchRow] {
        let perWorker = max(self.operations(size: size) / Self.concurrency, 2)
        // Per system (the cache first): seconds of puts and of gets.
        var seconds = Array(repeating: (put: 0.0, get: 0.0), count: 1 + baselines.count)
        for round in 0..<2 {
            for turn in seconds.indices {
                let system = (round + turn) % seconds.count
                for op in ["put", "get"] {
                    let took = try await concurrently(workers: Self.concurrency, perWorker: perWorker) { worker, index in
                        let key = keys[(worker + index) % keys.count]
                        switch (system, op) {
                        case (0, "put"): try await cache.put(key, value)
                        case (0, _): _ = try await cache.get(key)
                        case (_, "put"): try await baselines[system - 1].connections[worker].set(key, value)
                        default: _ = try await baselines[system - 1].connections[worker].get(key)
                        }
                    }
                    if op == "put" {
                        seconds[system].put += took
                    } else {
                        seconds[system].get += took
                    }
                }
            }
        }
        let megabytes = Double(2 * Self.concurrency * perWorker * size) / 1e6
        let (k, r) = ClientConfiguration().coding(forObjectLength: size)
        return baselines.indices.flatMap { index in
            [
                BenchRow(suite: "e2e", op: "put", metric: "throughput", unit: "MB/s", value: megabytes / seconds[0].put, k: k, r: r, size: size, threads: Self.concurrency, variant: variant)
                    .comparedTo(megabytes / seconds[index + 1].put, named: baselines[index].name),
                BenchRow(suite: "e2e", op: "get", metric: "throughput", unit: "MB/s", value: megabytes / seconds[0].get, k: k, r: r, size: size, threads: Self.concurrency, variant: variant)
                    .comparedTo(megabytes / seconds[index + 1].get, named: baselines[index].name),
            ]
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
