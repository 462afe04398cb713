import ChunkWire
public import FunctionPlatform
public import InfiniCacheProxy
public import InfiniCacheStatistics
public import Logging
public import ServiceLifecycle
import Synchronization

/// Runs the proxy's cache nodes as serverless functions: registers each function with the
/// proxy as a node it reaches by invoking it, keeps idle functions alive with periodic
/// warm-up invocations, and has each function's primary instance delta-sync to a backup
/// instance of the same function, so that when the provider reclaims a primary the next
/// invocation lands on the backup, which holds the data.
///
/// Schedules run on a `PlatformClock`: call ``tick()`` regularly — ``run()`` does, every
/// second, as a `Service` — or after each step of a `ManualClock` in tests and
/// simulations. Clients see the lifecycle's counters and bill in the proxy's statistics
/// when they are served by ``clientResponder``.
public final class FunctionLifecycle: Service, Sendable {
    /// How often the lifecycle acts, and what it bills at.
    public struct Configuration: Sendable {
        /// Every idle function is invoked this often; nil turns warm-up off. The paper's
        /// default is one minute.
        public var warmUpInterval: Duration?
        /// Every function syncs its primary to a backup instance this often; nil turns
        /// backup off. The paper's default is five minutes.
        public var backupInterval: Duration?
        /// Prices for the bill in ``report()``.
        public var costMeter: CostMeter

        /// Creates a configuration with the paper's intervals and prices.
        public init(warmUpInterval: Duration? = .seconds(60), backupInterval: Duration? = .seconds(300), costMeter: CostMeter = CostMeter()) {
            self.warmUpInterval = warmUpInterval
            self.backupInterval = backupInterval
            self.costMeter = costMeter
        }
    }

    private struct Schedule {
        var nextWarmUp: Duration?
        var nextBackup: Duration?
    }

    /// The settings.
    public let configuration: Configuration
    private let platform: any FunctionPlatform
    private let clock: any PlatformClock
    private let started: Duration
    private let transports: [FunctionTransport]
    private let ledger: LifecycleLedger
    private let schedule: Mutex<Schedule>
    private let logger: Logger
    private let proxy: InfiniCacheProxy

    /// The responder to serve clients with instead of the proxy: it passes every request
    /// to the proxy and adds this lifecycle's report to the answer to `stats`.
    public var clientResponder: LifecycleResponder {
        LifecycleResponder(proxy: self.proxy, lifecycle: self)
    }

    /// Registers `functions` with `proxy` as nodes of `nodeCapacity` bytes each, reached
    /// through `platform`. Nothing is invoked until a request or a schedule needs it.
    public init(
        proxy: InfiniCacheProxy,
        platform: any FunctionPlatform,
        functions: [String],
        nodeCapacity: Int,
        configuration: Configuration = Configuration(),
        clock: any PlatformClock = SystemPlatformClock(),
        logger: Logger = Logger(label: "infinicache.lifecycle")
    ) {
        self.configuration = configuration
        self.platform = platform
        self.clock = clock
        self.logger = logger
        self.proxy = proxy
        let ledger = LifecycleLedger(proxy: proxy)
        self.ledger = ledger
        self.transports = functions.map { FunctionTransport(function: $0, platform: platform, ledger: ledger) }
        let now = clock.now
        self.started = now
        self.schedule = Mutex(Schedule(nextWarmUp: configuration.warmUpInterval.map { now + $0 }, nextBackup: configuration.backupInterval.map { now + $0 }))
        for transport in self.transports {
            proxy.addNode(functionID: transport.function, capacity: nodeCapacity, transport: transport)
        }
    }

    /// Requests the proxy has sent to functions that are not yet answered in full or
    /// failed, including those waiting for an invocation to start and those cancelled (a
    /// function serves them all the same): a simulation waits for none before it moves
    /// its clock.
    package var requestsOutstanding: Int {
        self.transports.reduce(0) { $0 + $1.requestsOutstanding }
    }

    /// Ticks every second until a graceful shutdown (or cancellation). A long backup holds
    /// up the next tick of this schedule only, not the platform's own.
    public func run() async throws {
        await tickUntilShutdown(every: .seconds(1)) {
            await self.tick()
        }
    }

    /// When the warm-up or the backup is next due, whichever comes first; nil if both are
    /// off. A simulation ticks at that time rather than on a fixed period.
    package var nextDue: Duration? {
        self.schedule.withLock { schedule in
            [schedule.nextWarmUp, schedule.nextBackup].compactMap { $0 }.min()
        }
    }

    /// Runs the warm-up and the backup if they are due.
    public func tick() async {
        let now = self.clock.now
        let (backupDue, warmUpDue) = self.schedule.withLock { schedule in
            let backupDue = schedule.nextBackup.map { now >= $0 } ?? false
            let warmUpDue = schedule.nextWarmUp.map { now >= $0 } ?? false
            if backupDue, let interval = self.configuration.backupInterval { schedule.nextBackup = now + interval }
            if warmUpDue, let interval = self.configuration.warmUpInterval { schedule.nextWarmUp = now + interval }
            return (backupDue, warmUpDue)
        }
        if backupDue {
            await self.backUp()
        }
        if warmUpDue {
            await self.warmUp()
        }
    }

    /// Invokes every function that has no running invocation, briefly.
    public func warmUp() async {
        await withTaskGroup(of: Void.self) { group in
            for transport in self.transports {
                group.addTask {
                    do {
                        try await transport.warmUp()
                    } catch {
                        self.logger.warning("warm-up failed", metadata: ["function": "\(transport.function)", "error": "\(error)"])
                    }
                }
            }
        }
    }

    /// Syncs every function's primary instance to a backup instance, obtained by invoking
    /// the function while the primary runs.
    public func backUp() async {
        await withTaskGroup(of: Void.self) { group in
            for transport in self.transports {
                group.addTask { await self.backUp(transport) }
            }
        }
    }

    /// The counters and the bill so far.
    public func report() -> LifecycleReport {
        let report = LifecycleReport(counters: self.ledger.snapshot, bill: self.configuration.costMeter.bill(for: self.platform.usage(), over: self.clock.now - self.started))
        self.ledger.metrics.record(report.bill)
        return report
    }

    private func backUp(_ transport: FunctionTransport) async {
        do {
            let primary = try await transport.invocation(payload: .serve).invocation
            let backup = try await self.platform.invoke(transport.function, payload: .backup)
            defer { backup.end() }
            await self.ledger.invoked(backup, replacing: nil)
            // The primary may have returned in between, and the platform then sends the
            // backup's invocation to it: syncing an instance to itself would be no backup.
            guard backup.instanceID != primary.instanceID else {
                throw ErrorMessage(.unavailable, "the backup invocation landed on the primary instance \(primary.instanceID)")
            }
            let bytes = try await SyncRelay.sync(from: primary.transport, to: backup.transport)
            self.ledger.update { counters in
                counters.syncs += 1
                counters.bytesSynced += bytes
            }
        } catch {
            self.ledger.update { $0.failedSyncs += 1 }
            self.logger.warning("backup failed", metadata: ["function": "\(transport.function)", "error": "\(error)"])
        }
    }
}
