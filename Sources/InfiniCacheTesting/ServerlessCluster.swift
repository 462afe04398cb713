import ChunkTransportInProcess
public import ChunkWire
public import FunctionPlatform
public import InfiniCacheClient
public import InfiniCacheLifecycle
public import InfiniCacheProxy
public import InstanceLaunchers
public import LocalFunctionPlatform
public import Logging
import Synchronization

/// A serverless cache in one process on simulated time: a proxy whose nodes are functions
/// of a `LocalFunctionPlatform`, run by a `FunctionLifecycle`, and a client. Time moves
/// only through ``advance(by:)``, which ticks the platform and the lifecycle, so a run of
/// hours takes seconds: for tests, the availability benchmark and trace replays. Before
/// each step it waits for the requests the proxy sent to functions (including deletions
/// it sends in the background) to finish, so that a seeded run repeats.
public final class ServerlessCluster: Sendable {
    /// The simulated clock.
    public let clock: ManualClock
    /// The platform the functions run on.
    public let platform: LocalFunctionPlatform
    /// Warm-up, backup and failover of the functions.
    public let lifecycle: FunctionLifecycle
    /// The proxy.
    public let proxy: InfiniCacheProxy
    /// A client connected to the proxy.
    public let client: InfiniCacheClient
    /// The functions' names, `function-0` onwards.
    public let functions: [String]
    private let timeouts = Atomic(0)

    /// Starts `functionCount` functions (none invoked yet), each holding
    /// `platform.nodeCapacity` bytes in an instance `launcher` starts in this process; the
    /// platform, proxy and lifecycle log to `logger`. The proxy places chunks against
    /// `placementCapacity` bytes per function (the node capacity when nil), each charged
    /// as `storageCharge` says.
    public init(
        functionCount: Int = 12,
        platform configuration: LocalFunctionPlatform.Configuration = LocalFunctionPlatform.Configuration(),
        launcher: InProcessLauncher = InProcessLauncher(),
        lifecycle: FunctionLifecycle.Configuration = FunctionLifecycle.Configuration(),
        client: ClientConfiguration = ClientConfiguration(),
        placementCapacity: Int? = nil,
        storageCharge: StorageCharge = .standard,
        logger: Logger = Logger(label: "infinicache.serverless")
    ) throws {
        let clock = ManualClock()
        let functions = (0..<functionCount).map { "function-\($0)" }
        let platform = LocalFunctionPlatform(functions: functions, configuration: configuration, launcher: launcher, clock: clock, logger: logger)
        let proxy = InfiniCacheProxy(storageCharge: storageCharge, logger: logger)
        self.clock = clock
        self.platform = platform
        self.proxy = proxy
        self.functions = functions
        self.lifecycle = FunctionLifecycle(
            proxy: proxy,
            platform: platform,
            functions: functions,
            nodeCapacity: placementCapacity ?? configuration.nodeCapacity,
            configuration: lifecycle,
            clock: clock,
            logger: logger
        )
        self.client = try InfiniCacheClient(proxies: [[InProcessTransport(to: self.lifecycle.clientResponder, verifiesPayloadChecksums: false)]], configuration: client)
    }

    /// Moves simulated time forward in steps of at most `step`, and to each time the
    /// lifecycle's warm-up or backup is due, ticking the platform (returns and reclaims)
    /// and the lifecycle after each. Before each step it lets the requests the proxy has
    /// sent to functions finish (for up to `settleTimeout` of real time each step), so
    /// that work done at one simulated instant is not billed at a later one. A serving
    /// instance returns at its billing boundary, and reclaims are drawn for the time
    /// passed, whatever the step; a longer step only applies them later.
    public func advance(by duration: Duration, step: Duration = .seconds(1), settleTimeout: Duration = .seconds(10)) async {
        var remaining = duration
        while remaining > .zero {
            await self.settle(within: settleTimeout)
            var move = min(step, remaining)
            if let due = self.lifecycle.nextDue, due > self.clock.now {
                move = min(move, due - self.clock.now)
            }
            self.clock.advance(by: move)
            remaining -= move
            await self.platform.tick()
            await self.lifecycle.tick()
        }
    }

    /// Returns once no request the proxy sent to a function is outstanding, or after
    /// `timeout` of real time (counted in ``settleTimeouts``).
    public func settle(within timeout: Duration) async {
        let deadline = ContinuousClock.now + timeout
        while self.lifecycle.requestsOutstanding > 0 {
            guard ContinuousClock.now < deadline else {
                self.timeouts.add(1, ordering: .relaxed)
                return
            }
            await self.platform.requestsFinished(within: .milliseconds(10))
            await Task.yield()
        }
    }

    /// Times ``settle(within:)`` gave up with requests still outstanding: the simulation
    /// then moved its clock while they ran, and a seeded run may not repeat.
    public var settleTimeouts: Int {
        self.timeouts.load(ordering: .relaxed)
    }

    /// Reclaims the instance of every function that holds its mapped chunks (the oldest
    /// live one), as a provider reclaiming every primary at once.
    public func reclaimEveryPrimary() async {
        for function in self.functions {
            if let primary = self.platform.instances(of: function).first {
                await self.platform.reclaim(function, instance: primary.id)
            }
        }
    }

    /// Closes the client.
    public func stop() async {
        await self.client.close()
    }
}
