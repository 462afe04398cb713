import ChunkWire
public import FunctionPlatform
import InfiniCacheClient
import InfiniCacheLifecycle
import InfiniCacheProxy
public import InfiniCacheStatistics
import InfiniCacheTesting
import InfiniCacheTraces
import LocalFunctionPlatform
import Logging
import NIOCore

/// One replay of a trace on the serverless cache, with or without backup, at one billing
/// granularity: its hits and misses, bill, lifecycle counters and modelled latencies.
public struct ServerlessRun: Sendable {
    /// Whether functions delta-synced to backup instances.
    public var backup: Bool
    /// The billing granularity.
    public var billingGranularity: Duration
    /// Hits and misses.
    public var statistics: CacheStatistics
    /// The Lambda bill over the replayed period, at full scale.
    public var bill: Bill
    /// What the proxy saw of its functions (bytes synced at full scale).
    public var counters: LifecycleCounters
    /// Instances the provider reclaimed.
    public var reclaims: Int
    /// Times the clock moved on while requests to functions were still outstanding after
    /// the replay had waited its limit for them (10 s of real time): 0 means the run
    /// repeats exactly for its seed.
    public var settleTimeouts: Int
    /// Modelled latencies of hits, in seconds, sorted.
    public var hitLatencies: [Double]
    /// Modelled latencies of misses (the backing store's), in seconds, sorted.
    public var missLatencies: [Double]

    /// A short name: `backup-100ms`, `no-backup-1ms`.
    public var variant: String { Self.variant(backup: self.backup, billingGranularity: self.billingGranularity) }

    /// The short name of the run with backup or without, at `granularity`.
    static func variant(backup: Bool, billingGranularity granularity: Duration) -> String {
        let milliseconds = granularity.seconds * 1000
        let text = milliseconds.rounded() == milliseconds ? String(Int(milliseconds)) : String(milliseconds)
        return "\(backup ? "backup" : "no-backup")-\(text)ms"
    }
}

/// Drives the real client, proxy, lifecycle, platform and in-process nodes through a
/// trace on the simulated clock.
struct ServerlessReplayer {
    let configuration: ReplayConfiguration
    let trace: Trace
    let hours: Int
    let backup: Bool
    let billingGranularity: Duration
    let progress: @Sendable (Double) -> Void

    func run() async throws -> ServerlessRun {
        let scale = self.configuration.scale
        let cluster = try ServerlessCluster(
            functionCount: self.configuration.functionCount,
            platform: LocalFunctionPlatform.Configuration(
                memoryMiB: self.configuration.memoryMiB,
                // The proxy's placement alone decides what is evicted, as at full scale;
                // the nodes' own caps, a safety net that charges bookkeeping per chunk,
                // would weigh more at a reduced scale than they do at full scale.
                nodeCapacity: Int.max / 4,
                billingGranularity: self.billingGranularity,
                // A function returns as soon as it is idle at a billing boundary, as the
                // paper's functions did.
                extensionWindow: .zero,
                reclaimPolicy: self.configuration.reclaimPolicy,
                linkModel: LinkModel(bitsPerSecond: self.configuration.timeModel.functionBitsPerSecond, byteScale: Double(scale))
            ),
            lifecycle: FunctionLifecycle.Configuration(
                warmUpInterval: self.configuration.warmUpInterval,
                backupInterval: self.backup ? self.configuration.backupInterval : nil,
                costMeter: self.configuration.prices.lambda
            ),
            client: ClientConfiguration(
                dataChunkCount: self.configuration.dataChunkCount,
                parityChunkCount: self.configuration.parityChunkCount,
                maxChunkLength: self.configuration.scaledMaxChunkLength,
                // Scaled down, the registry's objects of 10 MB and more would fall under
                // the replication threshold: every one is coded k + r, as in the paper.
                replicationThreshold: 0,
                timeout: self.configuration.requestTimeout
            ),
            placementCapacity: self.configuration.scaledFunctionCapacity,
            storageCharge: .payloadOnly,
            logger: Logger(label: "infinicache.replay", factory: { _ in SwiftLogNoOpLogHandler() })
        )
        do {
            let run = try await self.replay(on: cluster)
            await Self.tearDown(cluster)
            return run
        } catch {
            await Self.tearDown(cluster)
            throw error
        }
    }

    /// Closes the client and destroys every instance, freeing their memory.
    private static func tearDown(_ cluster: ServerlessCluster) async {
        await cluster.stop()
        await cluster.platform.shutdown()
    }

    private func replay(on cluster: ServerlessCluster) async throws -> ServerlessRun {
        let scale = self.configuration.scale
        let largest = self.trace.requests.map { Self.scaled($0.size, scale) }.filter(self.isCacheable).max() ?? 0
        let content = ByteBuffer(repeating: 0xA5, count: largest)
        var statistics = CacheStatistics(hours: self.hours)
        /// Keys requested so far: a miss of one of them is not a first access.
        var seen: Set<String> = []
        /// The scaled size each key was last written at: a GET that hits reads that many
        /// bytes back, whatever size the request names (a registry's partial reads name
        /// less than the blob).
        var written: [String: Int] = [:]
        var hitLatencies: [Double] = []
        var missLatencies: [Double] = []
        var hour = 0
        /// Moves the clock to the end of every hour that ends by `time`, noting the cost so far.
        func closeHours(before time: Duration) async {
            while hour < self.hours, time >= .seconds(3600 * (hour + 1)) {
                await cluster.advance(by: .seconds(3600 * (hour + 1)) - cluster.clock.now, step: Self.step, settleTimeout: Self.settleTimeout)
                statistics.hours[hour].cumulativeCost = cluster.lifecycle.report().bill.total
                hour += 1
                self.progress(Double(hour))
            }
        }
        for request in self.trace.requests {
            try Task.checkCancellation()
            await closeHours(before: request.time)
            await cluster.advance(by: request.time - cluster.clock.now, step: Self.step, settleTimeout: Self.settleTimeout)
            let size = Self.scaled(request.size, scale)
            // Nil for an object the cache cannot hold at all: it is never written.
            let value = self.isCacheable(size) ? content.getSlice(at: content.readerIndex, length: size) : nil
            defer { seen.insert(request.key) }
            switch request.operation {
            case .get:
                let outcome = try await self.get(request, value: value, seen: seen, written: &written, cluster: cluster)
                statistics.record(outcome.outcome, size: request.size, hour: hour)
                if outcome.outcome == .hit {
                    hitLatencies.append(outcome.latency.seconds)
                } else {
                    missLatencies.append(outcome.latency.seconds)
                }
            case .put:
                try await self.put(request.key, value, written: &written, cluster: cluster)
                statistics.record(.write, size: request.size, hour: hour)
            case .delete:
                _ = try? await cluster.client.delete(request.key)
                statistics.record(.write, size: request.size, hour: hour)
            }
        }
        await closeHours(before: .seconds(3600 * self.hours))
        await cluster.settle(within: Self.settleTimeout)
        let report = cluster.lifecycle.report()
        var counters = report.counters
        counters.bytesSynced *= scale
        return ServerlessRun(
            backup: self.backup,
            billingGranularity: self.billingGranularity,
            statistics: statistics,
            bill: report.bill,
            counters: counters,
            reclaims: cluster.platform.usage().reduce(0) { $0 + $1.reclaims },
            settleTimeouts: cluster.settleTimeouts,
            hitLatencies: hitLatencies.sorted(),
            missLatencies: missLatencies.sorted()
        )
    }

    /// A cache-aside GET: a miss fetches the object (modelled) and PUTs it.
    private func get(_ request: TraceRequest, value: ByteBuffer?, seen: Set<String>, written: inout [String: Int], cluster: ServerlessCluster) async throws -> (outcome: RequestOutcome, latency: Duration) {
        let holders = cluster.proxy.functions(holding: request.key) ?? []
        let running = holders.filter { function in cluster.platform.instances(of: function).contains(where: \.isRunning) }.count
        let outcome: RequestOutcome
        do {
            if let read = try await cluster.client.get(request.key) {
                guard read.readableBytes == written[request.key] else {
                    throw ReplayError(.cacheFailed, "\(request.key) (row \(request.row)) read back \(read.readableBytes) bytes, not the \(written[request.key] ?? 0) written")
                }
                let latency = self.configuration.timeModel.hitLatency(size: request.size, dataChunkCount: self.configuration.dataChunkCount, runningFunctions: running)
                return (.hit, latency)
            }
            outcome = seen.contains(request.key) ? .capacityMiss : .firstAccess
        } catch let error as InfiniCacheError where error.code == .objectLost {
            outcome = .lostMiss
        }
        // The read's stragglers and the deletion of a lost object finish first, as they
        // would before the application has fetched the object from the backing store.
        await cluster.settle(within: Self.settleTimeout)
        try await self.put(request.key, value, written: &written, cluster: cluster)
        return (outcome, self.configuration.timeModel.missLatency(size: request.size))
    }

    /// Caches `value` and notes its size; nil (an object the cache cannot hold) forgets
    /// the key instead.
    private func put(_ key: String, _ value: ByteBuffer?, written: inout [String: Int], cluster: ServerlessCluster) async throws {
        guard let value else {
            written[key] = nil
            _ = try await cluster.client.delete(key)
            return
        }
        written[key] = value.readableBytes
        do {
            try await cluster.client.put(key, value)
        } catch let error as InfiniCacheError {
            // No room on enough distinct nodes after the proxy's bounded evictions: the
            // object is not cached. Anything else is a failure of the replay.
            guard let code = (error.cause as? ErrorMessage)?.code, code == .capacityExceeded || code == .limitExceeded else { throw error }
            written[key] = nil
        }
    }

    /// Whether the cache can hold an object of `size` scaled bytes at all: within the
    /// proxy's object limits, and coded into no more than all its memory. (The LRU
    /// baseline holds anything up to its memory.)
    private func isCacheable(_ size: Int) -> Bool {
        let k = self.configuration.dataChunkCount
        let chunk = self.configuration.scaledMaxChunkLength
        guard ObjectLimits.default.violation(objectLength: size, dataChunkCount: k, maxChunkLength: chunk) == nil else { return false }
        let coded = size / k * (k + self.configuration.parityChunkCount)
        return coded <= self.configuration.functionCount * self.configuration.scaledFunctionCapacity
    }

    /// The longest the clock moves between ticks when no request, warm-up or backup falls
    /// in between: reclaims are drawn for the time passed at each tick, so a longer step
    /// only applies them later (and ticks at each request's time apply them first).
    static let step = Duration.seconds(60)

    /// Real time the replay waits for a request's work in the functions to finish before
    /// the next request.
    static let settleTimeout = Duration.seconds(10)

    /// A full-scale size at `scale`, rounded up: an object of a few bytes still costs its
    /// nodes something.
    static func scaled(_ size: Int, _ scale: Int) -> Int {
        size / scale + (size % scale == 0 ? 0 : 1)
    }
}
