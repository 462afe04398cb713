import Foundation
import FunctionPlatform
import InfiniCacheClient
import InfiniCacheTesting
import NIOCore

/// `e2e --network emulated`: the regime the paper's design is for, where each function's
/// network, not the CPU, is the limit. Every cache node runs in a network namespace of its
/// own behind a link shaped to ``rateMbps`` each way (AWS Lambda measured about 0.5 Gbit/s
/// per function on average, less when functions share a host: Wang et al., FAST '20,
/// section 2); the proxy and the client are in the root namespace. The baselines are a
/// `redis-server` behind the same kind of link (a host of the same class) and one on
/// loopback, unshaped. Then first-d with node 0's link at a tenth of the rate.
struct EmulatedE2E {
    static let sizes = [1 << 20, 10 << 20, 100 << 20]
    static let rateMbps = 400
    static let nodeCount = 12

    let suite: E2ESuite

    private var variant: String { "emulated-\(Self.rateMbps)mbit" }

    func run() async throws -> [BenchRow] {
        if let reason = EmulatedNetwork.unavailableReason() {
            progress("e2e --network emulated: skipped, \(reason)")
            return []
        }
        progress("e2e: \(Self.nodeCount + 1) links of \(Self.rateMbps) Mbit/s in network namespaces")
        let network = try EmulatedNetwork.create(rates: Array(repeating: Self.rateMbps, count: Self.nodeCount + 1))
        defer { network.remove() }
        var redis: [RedisServer] = []
        var cluster: ProcessCluster?
        do {
            redis.append(try RedisServer(host: network.links[Self.nodeCount].address, wrapper: network.wrapper(Self.nodeCount)))
            redis.append(try RedisServer())
            let directory = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
            cluster = try await ProcessCluster(
                executables: directory, nodeCount: Self.nodeCount, nodeCapacityMiB: 256, host: network.links[0].hostAddress, nodeWrapper: network.wrapper
            )
            let rows = try await self.measure(cluster!, network: network, redis: redis)
            await cluster?.stop()
            for server in redis { await server.stop() }
            return rows
        } catch {
            await cluster?.stop()
            for server in redis { await server.stop() }
            throw error
        }
    }

    private func measure(_ cluster: ProcessCluster, network: EmulatedNetwork, redis: [RedisServer]) async throws -> [BenchRow] {
        let client = try await cluster.connectClient()
        let shaped = try await E2ESuite.Baseline.connect("redis-\(Self.rateMbps)mbit", to: redis[0])
        let unshaped = try await E2ESuite.Baseline.connect("redis-loopback", to: redis[1])
        var rows: [BenchRow] = []
        for size in Self.sizes {
            progress("e2e \(self.variant) \(formatBytes(size))")
            rows += try await self.suite.compare(size: size, cache: client, baselines: [shaped, unshaped], variant: self.variant)
        }
        rows += try await self.straggler(client, network: network)
        await shaped.close()
        await unshaped.close()
        await client.close()
        return rows
    }

    /// p50 GET latency of 10 MiB objects with node 0's link at a tenth of the rate, against
    /// the same with every link at full rate, the two taking turns.
    private func straggler(_ client: InfiniCacheClient, network: EmulatedNetwork) async throws -> [BenchRow] {
        progress("e2e \(self.variant) straggler at \(Self.rateMbps / 10) Mbit/s")
        let size = 10 << 20
        let value = ByteBuffer(bytes: pseudoRandomBytes(count: size))
        try await client.put("straggler", value)
        var slow = Timings(), full = Timings()
        let operations = self.suite.operations(size: size)
        for _ in 0..<4 {
            try await full.measure(operations / 4) { _ in _ = try await client.get("straggler") }
            try network.setRate(Self.rateMbps / 10, link: 0)
            try await slow.measure(operations / 4) { _ in _ = try await client.get("straggler") }
            try network.setRate(Self.rateMbps, link: 0)
        }
        let (k, r) = ClientConfiguration().coding(forObjectLength: size)
        let row = BenchRow(
            suite: "e2e", op: "get", metric: "p50_latency", unit: "ms", value: slow.percentile(50), k: k, r: r, size: size, threads: 1,
            variant: "\(self.variant)-straggler-\(Self.rateMbps / 10)mbit"
        )
        return [row.comparedTo(full.percentile(50), named: "all-links-\(Self.rateMbps)mbit")]
    }
}
