import ChunkTransportInProcess
public import FunctionPlatform
public import InfiniCacheClient
public import InfiniCacheLifecycle
public import InfiniCacheProxy
public import InstanceLaunchers
public import LocalFunctionPlatform
public import Logging

/// A serverless cache in one process on simulated time: a proxy whose nodes are functions
/// of a `LocalFunctionPlatform`, run by a `FunctionLifecycle`, and a client. Time moves
/// only through ``advance(by:)``, which ticks the platform and the lifecycle, so a run of
/// hours takes seconds: for tests and the availability benchmark. Work the proxy does in
/// the background (deleting replaced chunks) races the simulated clock, so runs repeat
/// closely but not exactly.
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

    /// Starts `functionCount` functions (none invoked yet), each holding
    /// `platform.nodeCapacity` bytes in an instance `launcher` starts in this process; the
    /// platform, proxy and lifecycle log to `logger`.
    public init(
        functionCount: Int = 12,
        platform configuration: LocalFunctionPlatform.Configuration = LocalFunctionPlatform.Configuration(),
        launcher: InProcessLauncher = InProcessLauncher(),
        lifecycle: FunctionLifecycle.Configuration = FunctionLifecycle.Configuration(),
        client: ClientConfiguration = ClientConfiguration(),
        logger: Logger = Logger(label: "infinicache.serverless")
    ) throws {
        let clock = ManualClock()
        let functions = (0..<functionCount).map { "function-\($0)" }
        let platform = LocalFunctionPlatform(functions: functions, configuration: configuration, launcher: launcher, clock: clock, logger: logger)
        let proxy = InfiniCacheProxy(logger: logger)
        self.clock = clock
        self.platform = platform
        self.proxy = proxy
        self.functions = functions
        self.lifecycle = FunctionLifecycle(proxy: proxy, platform: platform, functions: functions, nodeCapacity: configuration.nodeCapacity, configuration: lifecycle, clock: clock, logger: logger)
        self.client = try InfiniCacheClient(proxies: [[InProcessTransport(to: self.lifecycle.clientResponder, verifiesPayloadChecksums: false)]], configuration: client)
    }

    /// Moves simulated time forward in steps of at most `step`, ticking the platform
    /// (returns and reclaims) and the lifecycle (warm-up and backup) after each. Before
    /// each step it lets requests still being served finish (for up to 100 ms of real
    /// time), so that work done at one simulated instant is not billed at a later one.
    public func advance(by duration: Duration, step: Duration = .seconds(1)) async {
        var remaining = duration
        while remaining > .zero {
            await self.platform.requestsFinished(within: .milliseconds(100))
            let move = min(step, remaining)
            self.clock.advance(by: move)
            remaining -= move
            await self.platform.tick()
            await self.lifecycle.tick()
        }
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
