import FunctionPlatform
import InfiniCacheClient
import NIOCore

/// `redundancy`: where the replication threshold belongs. Objects of 1 KiB to 1 MiB are
/// written and read through three caches side by side: erasure-coded 10 + 2 (the
/// baseline), replicated 1 + 2 with hedged reads, and replicated with the proxy's
/// small-object tier on. Each reports p50 latency (one operation at a time) and throughput
/// (4 in flight), the three caches taking turns block by block. With `--network
/// emulated` the three caches' nodes share 12 namespaces behind 400 Mbit/s links (one
/// cache is measured at a time), as in ``EmulatedE2E``.
struct RedundancySuite {
    static let sizes = [1 << 10, 16 << 10, 64 << 10, 256 << 10, 1 << 20]
    static let concurrency = 4

    let settings: BenchSettings
    let separateProcesses: Bool
    let network: NetworkMode

    /// A cache under comparison.
    private struct Contender {
        var name: String
        var cluster: BenchCluster
        var client: InfiniCacheClient { self.cluster.client }
    }

    private func operations(size: Int) -> Int {
        let full = size <= 64 << 10 ? 600 : 200
        return self.settings.quick ? max(full / 20, 8) : full
    }

    /// The rows' variant suffix for the network.
    private var networkSuffix: String { self.network == .emulated ? "-emulated-\(EmulatedE2E.rateMbps)mbit" : "" }

    func run() async throws -> [BenchRow] {
        guard self.network == .emulated else {
            return try await self.run(on: nil)
        }
        if let reason = EmulatedNetwork.unavailableReason() {
            progress("redundancy --network emulated: skipped, \(reason)")
            return []
        }
        let network = try EmulatedNetwork.create(rates: Array(repeating: EmulatedE2E.rateMbps, count: BenchCluster.nodeCount))
        defer { network.remove() }
        return try await self.run(on: network)
    }

    private func run(on network: EmulatedNetwork?) async throws -> [BenchRow] {
        var contenders: [Contender] = []
        do {
            let largest = Self.sizes.max()!
            progress("redundancy: starting three caches (\(network != nil ? "emulated links" : self.separateProcesses ? "separate processes" : "embedded"))")
            contenders.append(Contender(name: "erasure-coded", cluster: try await self.start(threshold: 0, tier: false, network: network)))
            contenders.append(Contender(name: "replicated", cluster: try await self.start(threshold: largest, tier: false, network: network)))
            contenders.append(Contender(name: "replicated-tier", cluster: try await self.start(threshold: largest, tier: true, network: network)))
            var rows: [BenchRow] = []
            for size in Self.sizes {
                progress("redundancy \(formatBytes(size))")
                rows += try await self.compare(size: size, contenders)
            }
            for contender in contenders { await contender.cluster.stop() }
            return rows
        } catch {
            for contender in contenders { await contender.cluster.stop() }
            throw error
        }
    }

    private func start(threshold: Int, tier: Bool, network: EmulatedNetwork?) async throws -> BenchCluster {
        try await BenchCluster.start(
            separateProcesses: self.separateProcesses, nodeCapacityMiB: 256, straggler: nil,
            client: ClientConfiguration(replicationThreshold: threshold),
            tierBudget: tier ? 256 << 20 : 0, tierObjectLimit: tier ? threshold : nil, network: network
        )
    }

    private func compare(size: Int, _ contenders: [Contender]) async throws -> [BenchRow] {
        let value = ByteBuffer(bytes: pseudoRandomBytes(count: size))
        let keys = (0..<4).map { "redundancy-\(size)-\($0)" }
        for contender in contenders {
            for key in keys {
                try await contender.client.put(key, value)
            }
            guard try await contender.client.get(keys[0]) == value else {
                throw InfiniCacheError(.protocolError, "\(contender.name) did not return the object written")
            }
        }
        let operations = self.operations(size: size)
        var puts = contenders.map { _ in Timings() }
        var gets = contenders.map { _ in Timings() }
        var seconds = contenders.map { _ in (put: 0.0, get: 0.0) }
        let perWorker = max(operations / Self.concurrency, 2)
        for block in 0..<4 {
            for turn in contenders.indices {
                let index = (block + turn) % contenders.count
                let client = contenders[index].client
                try await puts[index].measure(operations / 4) { try await client.put(keys[$0 % keys.count], value) }
                try await gets[index].measure(operations / 4) { _ = try await client.get(keys[$0 % keys.count]) }
                if block < 2 {
                    seconds[index].put += try await concurrently(workers: Self.concurrency, perWorker: perWorker / 2) { worker, operation in
                        try await client.put(keys[(worker + operation) % keys.count], value)
                    }
                    seconds[index].get += try await concurrently(workers: Self.concurrency, perWorker: perWorker / 2) { worker, operation in
                        _ = try await client.get(keys[(worker + operation) % keys.count])
                    }
                }
            }
        }
        let megabytes = Double(Self.concurrency * (perWorker / 2) * 2 * size) / 1e6
        var rows: [BenchRow] = []
        for index in contenders.indices.dropFirst() {
            let variant = contenders[index].name + self.networkSuffix
            func row(_ op: String, _ metric: String, _ unit: String, _ value: Double, _ baseline: Double, threads: Int) -> BenchRow {
                BenchRow(suite: "redundancy", op: op, metric: metric, unit: unit, value: value, k: 1, r: 2, size: size, threads: threads, variant: variant)
                    .comparedTo(baseline, named: contenders[0].name + self.networkSuffix)
            }
            rows += [
                row("put", "p50_latency", "ms", puts[index].percentile(50), puts[0].percentile(50), threads: 1),
                row("get", "p50_latency", "ms", gets[index].percentile(50), gets[0].percentile(50), threads: 1),
                row("put", "throughput", "MB/s", megabytes / seconds[index].put, megabytes / seconds[0].put, threads: Self.concurrency),
                row("get", "throughput", "MB/s", megabytes / seconds[index].get, megabytes / seconds[0].get, threads: Self.concurrency),
            ]
        }
        return rows
    }
}
