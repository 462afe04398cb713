import FunctionPlatform
public import InfiniCacheTraces
import Synchronization

/// Replays a workload trace on the serverless cache, on simulated time, beside an
/// always-on LRU cache of the same memory: "what would my workload cost, and what would
/// it hit?"
///
/// Cache-aside, as the paper's replay: the first GET of an object misses, the object is
/// fetched from the backing store and PUT; later GETs read it; a GET that misses
/// (evicted, or lost to reclaims) fetches and PUTs again. The real client, proxy,
/// lifecycle, platform and nodes run in this process; the simulated clock moves to each
/// request's time, so warm-ups, backups, returns and reclaims happen when they would,
/// and 50 hours pass in minutes. Sizes and capacities are divided by
/// ``ReplayConfiguration/scale``; every figure reported is at full scale.
public struct TraceReplay: Sendable {
    /// Where a replay is, for a progress display.
    public struct Progress: Sendable {
        /// The run: `backup-100ms`, `no-backup-1ms`, ….
        public var run: String
        /// Hours it has replayed.
        public var hoursReplayed: Double
        /// Hours it replays in all.
        public var totalHours: Int
    }

    /// The settings.
    public let configuration: ReplayConfiguration

    /// The most hours a replay covers: a year.
    public static let maximumHours = 366 * 24

    /// Creates a replay.
    ///
    /// - Throws: ``ReplayError`` with code `invalidConfiguration` for a setting out of range.
    public init(configuration: ReplayConfiguration = ReplayConfiguration()) throws(ReplayError) {
        try configuration.validate()
        self.configuration = configuration
    }

    /// Replays the first `hours` of `trace` (all of it, rounded up to a whole hour, when
    /// nil): with backup and without, at each billing granularity, and the LRU baseline.
    /// `progress` is called as hours are replayed.
    ///
    /// - Throws: ``ReplayError`` if the hours to replay are not from 1 to ``maximumHours``,
    ///   or the cache fails in a way that is neither a hit nor a miss; errors of the
    ///   in-process cache otherwise.
    public func run(_ trace: Trace, hours: Int? = nil, progress: @escaping @Sendable (Progress) -> Void = { _ in }) async throws -> ReplayReport {
        let started = ContinuousClock.now
        let hours = hours ?? trace.hours
        guard (1...Self.maximumHours).contains(hours) else {
            throw ReplayError(
                .invalidConfiguration,
                "\(hours) hours: replay from 1 to \(Self.maximumHours) (a trace whose requests span more, as one with a stray timestamp may, needs an explicit number of hours)"
            )
        }
        let trace = trace.prefix(.seconds(3600 * hours))
        let lru = self.runLRU(trace, hours: hours)
        let variants = [true, false].flatMap { backup in self.configuration.billingGranularities.map { (backup: backup, granularity: $0) } }
        // Runs are independent (each has its own cluster and clock): they share the cores.
        let runs = try await withThrowingTaskGroup(of: (Int, ServerlessRun).self) { group in
            var results: [(Int, ServerlessRun)] = []
            for (index, variant) in variants.enumerated() {
                if index >= self.configuration.concurrentRuns, let done = try await group.next() {
                    results.append(done)
                }
                let name = ServerlessRun.variant(backup: variant.backup, billingGranularity: variant.granularity)
                let replayer = ServerlessReplayer(
                    configuration: self.configuration,
                    trace: trace,
                    hours: hours,
                    backup: variant.backup,
                    billingGranularity: variant.granularity
                ) { replayed in
                    progress(Progress(run: name, hoursReplayed: replayed, totalHours: hours))
                }
                group.addTask { (index, try await replayer.run()) }
            }
            for try await done in group {
                results.append(done)
            }
            return results.sorted { $0.0 < $1.0 }.map(\.1)
        }
        let objects = trace.distinctObjects
        let prices = self.configuration.prices
        let hourlyServerless = lru.storedByteSecondsByHour.enumerated().map { hour, byteSeconds in
            byteSeconds / 1e9 / 3600 * prices.serverlessPerGigabyteHour + Double(lru.ecpusByHour[hour]) / 1e6 * prices.serverlessPerMillionECPUs
        }
        return ReplayReport(
            configuration: self.configuration,
            requests: trace.requests.count,
            distinctObjects: objects.count,
            distinctBytes: objects.bytes,
            hours: hours,
            malformedRows: trace.malformedRowCount,
            runs: runs,
            lru: lru.statistics,
            alwaysOnCost: Double(hours) * prices.lambda.alwaysOnPricePerHour,
            serverlessCost: hourlyServerless.reduce(0, +),
            serverlessCumulativeCost: hourlyServerless.reduce(into: []) { sums, cost in sums.append((sums.last ?? 0) + cost) },
            wallTime: ContinuousClock.now - started
        )
    }

    /// The LRU baseline's hits and misses, and what it stored and moved in each hour.
    private func runLRU(_ trace: Trace, hours: Int) -> (statistics: CacheStatistics, storedByteSecondsByHour: [Double], ecpusByHour: [Int]) {
        var model = LRUCacheModel(capacity: self.configuration.totalMemory)
        var statistics = CacheStatistics(hours: hours)
        var byteSeconds = Array(repeating: 0.0, count: hours)
        var ecpus = Array(repeating: 0, count: hours)
        var hour = 0
        /// The model's totals at the end of the last hour closed.
        var closed = (byteSeconds: 0.0, ecpus: 0)
        func closeHours(before time: Duration) {
            while hour < hours, time >= .seconds(3600 * (hour + 1)) {
                model.advance(to: .seconds(3600 * (hour + 1)))
                byteSeconds[hour] = model.storedByteSeconds - closed.byteSeconds
                ecpus[hour] = model.ecpus - closed.ecpus
                closed = (model.storedByteSeconds, model.ecpus)
                hour += 1
            }
        }
        for request in trace.requests {
            closeHours(before: request.time)
            statistics.record(model.serve(request), size: request.size, hour: hour)
        }
        closeHours(before: .seconds(3600 * hours))
        return (statistics, byteSeconds, ecpus)
    }
}
