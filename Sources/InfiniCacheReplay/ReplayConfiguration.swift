import Foundation
import FunctionPlatform
public import LocalFunctionPlatform

/// What a trace replay simulates: the serverless cache (the paper's deployment by
/// default), the scale it runs at, the time model and the prices.
public struct ReplayConfiguration: Sendable {
    /// Cache functions (the paper: 400).
    public var functionCount: Int
    /// Memory of each function in MiB, billed and used as chunk capacity (the paper: 1.5 GB,
    /// taken as 1536 MiB). The runtime's own memory is not subtracted.
    public var memoryMiB: Int
    /// Data chunks per stripe, k (the paper: 10).
    public var dataChunkCount: Int
    /// Parity chunks per stripe, r (the paper: 2).
    public var parityChunkCount: Int
    /// The largest chunk at full scale; larger objects span several stripes. 8 MiB.
    public var maxChunkLength: Int
    /// How often idle functions are warmed up (the paper: every minute); nil turns it off.
    public var warmUpInterval: Duration?
    /// How often functions delta-sync to their backups (the paper: every 5 minutes); the
    /// runs with backup need it, those without ignore it.
    public var backupInterval: Duration?
    /// Every object size and capacity is divided by this, so that the replay fits one
    /// machine; decisions (placement, eviction, loss) are those of full scale, and every
    /// figure reported is at full scale. The default, 1024, keeps 8 MiB chunks a whole
    /// 8 KiB and the paper's 600 GB of functions within 600 MiB of this machine's memory
    /// (twice that with backups).
    public var scale: Int
    /// Billing granularities to replay at: each is a run of its own, since the
    /// granularity decides when an idle function returns. 100 ms (the paper's time) and
    /// 1 ms (AWS since December 2020).
    public var billingGranularities: [Duration]
    /// When the provider reclaims idle instances. The default calibration: a hazard of
    /// 0.1335 per hour reclaims 12.5% of idle instances an hour, which leaves 81.8% of
    /// 10 + 2 objects readable after an hour without backup (those that lose at most 2 of
    /// their 12 functions), close to the 81.4% the paper measured; and an instance idle 10
    /// minutes is reclaimed, as AWS does today (it was 27 minutes when the paper was
    /// written; warm-up every minute keeps functions from reaching either).
    public var reclaimPolicy: ReclaimPolicy
    /// What the simulated clock does not see: transfer times, invocation overhead and
    /// the backing store.
    public var timeModel: TimeModel
    /// Prices of Lambda and of the ElastiCache offerings compared against.
    public var prices: Prices
    /// Real time one request to the in-process cache may take before the replay fails.
    public var requestTimeout: Duration
    /// Runs replayed at once, each on its own in-process cache (memory grows with it):
    /// one per core unless set.
    public var concurrentRuns: Int

    /// Creates a configuration; the defaults are the paper's deployment on its 50-hour
    /// workload.
    public init(
        functionCount: Int = 400,
        memoryMiB: Int = 1536,
        dataChunkCount: Int = 10,
        parityChunkCount: Int = 2,
        maxChunkLength: Int = 8 << 20,
        warmUpInterval: Duration? = .seconds(60),
        backupInterval: Duration? = .seconds(300),
        scale: Int = 1024,
        billingGranularities: [Duration] = [.milliseconds(100), .milliseconds(1)],
        reclaimPolicy: ReclaimPolicy = ReclaimPolicy(maximumIdleLifetime: .seconds(600), hazardPerHour: 0.1335, seed: 1),
        timeModel: TimeModel = TimeModel(),
        prices: Prices = Prices(),
        requestTimeout: Duration = .seconds(120),
        concurrentRuns: Int? = nil
    ) {
        self.functionCount = functionCount
        self.memoryMiB = memoryMiB
        self.dataChunkCount = dataChunkCount
        self.parityChunkCount = parityChunkCount
        self.maxChunkLength = maxChunkLength
        self.warmUpInterval = warmUpInterval
        self.backupInterval = backupInterval
        self.scale = scale
        self.billingGranularities = billingGranularities
        self.reclaimPolicy = reclaimPolicy
        self.timeModel = timeModel
        self.prices = prices
        self.requestTimeout = requestTimeout
        self.concurrentRuns = max(1, concurrentRuns ?? ProcessInfo.processInfo.activeProcessorCount)
    }

    /// Memory of all functions together, in bytes at full scale: the always-on caches
    /// compared against get the same.
    public var totalMemory: Int { self.functionCount * self.memoryMiB << 20 }

    /// The largest chunk at the replay's scale.
    var scaledMaxChunkLength: Int { self.maxChunkLength / self.scale }

    /// Bytes each function holds at the replay's scale: what the proxy places against.
    var scaledFunctionCapacity: Int { (self.memoryMiB << 20) / self.scale }

    /// Checks the settings.
    ///
    /// - Throws: ``ReplayError`` with code `invalidConfiguration`, naming the setting.
    public func validate() throws(ReplayError) {
        func require(_ condition: Bool, _ message: String) throws(ReplayError) {
            if !condition { throw ReplayError(.invalidConfiguration, message) }
        }
        try require(self.dataChunkCount >= 1 && self.parityChunkCount >= 0 && self.dataChunkCount + self.parityChunkCount <= 255, "k = \(self.dataChunkCount), r = \(self.parityChunkCount): need k >= 1, r >= 0, k + r <= 255")
        try require(self.functionCount >= self.dataChunkCount + self.parityChunkCount, "\(self.functionCount) functions cannot hold stripes of \(self.dataChunkCount + self.parityChunkCount) chunks")
        try require(self.functionCount <= 100_000, "\(self.functionCount) functions: at most 100,000")
        try require(self.memoryMiB >= 1 && self.memoryMiB <= 1 << 20, "memory of \(self.memoryMiB) MiB per function: from 1 MiB to 1 TiB")
        try require(self.scale >= 1, "scale \(self.scale): at least 1")
        try require(self.scaledMaxChunkLength >= 4096 && self.maxChunkLength <= 16 << 20, "chunks of \(self.maxChunkLength) bytes at scale \(self.scale) are \(self.scaledMaxChunkLength) bytes; the proxy needs at least 4096 (and at most 16 MiB at full scale)")
        try require(!self.billingGranularities.isEmpty && self.billingGranularities.allSatisfy { $0 > .zero }, "billing granularities must be positive, and at least one")
        try require(self.warmUpInterval.map { $0 > .zero } ?? true, "the warm-up interval must be positive")
        try require(self.backupInterval.map { $0 > .zero } ?? true, "the backup interval must be positive")
        let model = self.timeModel
        try require(
            [model.functionBitsPerSecond, model.backingStoreBitsPerSecond].allSatisfy { $0.isFinite && $0 >= 1 },
            "rates of the time model must be finite and at least 1 bit per second"
        )
        try require(model.invocationOverhead >= .zero && model.backingStoreFirstByte >= .zero, "latencies of the time model must not be negative")
    }
}
