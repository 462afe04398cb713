public import FunctionPlatform
public import Logging
public import ServiceLifecycle
import Synchronization

/// A `FunctionPlatform` on this machine: every instance is a cache node with memory of
/// its own — in this process or a process of its own, as its ``InstanceLauncher`` decides —
/// started on invocation, stopped between invocations (its invocation handles refuse
/// requests, and a process is stopped), and reclaimed by a ``ReclaimPolicy`` or on demand
/// ("chaos").
///
/// Time comes from a `PlatformClock`; ``tick()`` applies what time did since the last
/// tick: serving instances that have been idle for the extension window return at the
/// next billing boundary, and idle instances are reclaimed by the policy. As a `Service`
/// the platform ticks every second and destroys its instances on shutdown; tests and
/// simulations advance a `ManualClock` and tick themselves.
///
/// Its bookkeeping is a ``PlatformStateMachine`` behind one lock; instances are stopped,
/// continued and destroyed after the lock is released.
public final class LocalFunctionPlatform: FunctionPlatform, Service {
    /// How the platform's functions run and are billed.
    public struct Configuration: Sendable {
        /// Memory of each instance as billed, in MiB; the paper's nodes had 1.5 GB.
        public var memoryMiB: Int
        /// Payload bytes each instance's chunk store holds.
        public var nodeCapacity: Int
        /// Billed durations are rounded up to this: 1 ms on AWS today, 100 ms in the
        /// paper's time. An invocation bills at least one unit.
        public var billingGranularity: Duration
        /// A serving instance returns once it has been idle this long, at the next billing
        /// boundary (the time up to it is paid for anyway).
        public var extensionWindow: Duration
        /// When idle instances are reclaimed.
        public var reclaimPolicy: ReclaimPolicy
        /// The time the chunk bytes of each request (a `putChunk`'s payload, the
        /// `chunkData` answers) take over the instance's link, added to the time the
        /// instance runs and is billed for; nil adds none (on real time, the transfer takes
        /// its own time).
        public var linkModel: LinkModel?

        /// Creates a configuration.
        public init(
            memoryMiB: Int = 1536,
            nodeCapacity: Int = 1 << 30,
            billingGranularity: Duration = .milliseconds(1),
            extensionWindow: Duration = .seconds(1),
            reclaimPolicy: ReclaimPolicy = ReclaimPolicy(),
            linkModel: LinkModel? = nil
        ) {
            self.memoryMiB = memoryMiB
            self.nodeCapacity = nodeCapacity
            self.billingGranularity = billingGranularity
            self.extensionWindow = extensionWindow
            self.reclaimPolicy = reclaimPolicy
            self.linkModel = linkModel
        }
    }

    /// What a test can see of one instance.
    public struct InstanceInfo: Sendable, Hashable {
        /// The instance.
        public var id: UInt64
        /// Whether an invocation is running on it.
        public var isRunning: Bool
        /// Chunks in its memory, when the launcher can see inside the instance.
        public var chunkCount: Int?
    }

    /// The platform's settings.
    public let configuration: Configuration
    let clock: any PlatformClock
    private let launcher: any InstanceLauncher
    private let logger: Logger
    let state: Mutex<PlatformStateMachine>

    /// Deploys `functions` (names must be distinct) whose instances `launcher` starts; no
    /// instance runs until invoked.
    public init(
        functions: [String],
        configuration: Configuration = Configuration(),
        launcher: any InstanceLauncher,
        clock: any PlatformClock = SystemPlatformClock(),
        logger: Logger = Logger(label: "infinicache.platform")
    ) {
        self.configuration = configuration
        self.clock = clock
        self.launcher = launcher
        self.logger = logger
        self.state = Mutex(PlatformStateMachine(functions: functions, configuration: configuration, now: clock.now))
    }

    public func invoke(_ function: String, payload: InvocationPayload) async throws(PlatformError) -> any FunctionInvocation {
        let now = self.clock.now
        // An instance that died on its own (a crashed process) is gone, as if reclaimed.
        let dead = self.deadInstances(self.state.withLock { $0.idleInstances(of: function) })
        let placement = try self.state.withLock { state throws(PlatformError) in
            try state.invoke(function, payload: payload, now: now, dead: dead)
        }
        switch placement {
        case .warm(let slot, let effects):
            await self.perform(effects)
            return LocalInvocation(platform: self, slot: slot, function: function, isColdStart: false)
        case .cold(let id, let effects):
            await self.perform(effects)
            return try await self.coldStart(function, id: id, payload: payload)
        }
    }

    /// Starts new instance `id`, which may take a while (a process launches).
    private func coldStart(_ function: String, id: UInt64, payload: InvocationPayload) async throws(PlatformError) -> any FunctionInvocation {
        let instance: any PlatformInstance
        do {
            instance = try await self.launcher.launch(function: function, instance: id, capacity: self.configuration.nodeCapacity)
        } catch {
            throw PlatformError(.invocationFailed, "instance \(id) of \(function) did not start: \(error)")
        }
        let started = self.clock.now
        guard let slot = self.state.withLock({ $0.coldStarted(function, id: id, instance: instance, payload: payload, now: started) }) else {
            await instance.destroy()
            throw PlatformError(.invocationFailed, "the platform shut down while instance \(id) of \(function) started")
        }
        return LocalInvocation(platform: self, slot: slot, function: function, isColdStart: true)
    }

    public func usage() -> [FunctionUsage] {
        self.state.withLock { $0.usage }
    }

    /// Applies the time passed since the last tick: returns serving instances idle for the
    /// extension window, and reclaims idle instances as the policy says (and drops those
    /// that died on their own).
    public func tick() async {
        let now = self.clock.now
        let dead = self.deadInstances(self.state.withLock { $0.idleInstances() })
        await self.perform(self.state.withLock { $0.tick(now: now, dead: dead) })
    }

    /// Reclaims an instance now, running or not, as a provider may ("chaos"): its memory is
    /// gone and requests in flight to it fail. A running invocation is billed up to now.
    public func reclaim(_ function: String, instance id: UInt64) async {
        let now = self.clock.now
        await self.perform(self.state.withLock { $0.reclaim(function, instance: id, now: now) })
    }

    /// Destroys every instance, billing running invocations up to now, refuses
    /// invocations from then on (processes are killed), and closes the launcher.
    public func shutdown() async {
        let now = self.clock.now
        await self.perform(self.state.withLock { $0.shutdown(now: now) })
        await self.launcher.close()
    }

    /// Ticks every second until a graceful shutdown (or cancellation), then shuts down.
    public func run() async throws {
        await tickUntilShutdown(every: .seconds(1)) {
            await self.tick()
        }
        await self.shutdown()
    }

    /// The live instances of `function`, oldest first.
    public func instances(of function: String) -> [InstanceInfo] {
        self.state.withLock { $0.instances(of: function) }.map {
            InstanceInfo(id: $0.id, isRunning: $0.running != nil, chunkCount: $0.instance.chunkCount)
        }
    }

    /// Requests the instances are serving now, over all functions.
    public var requestsInFlight: Int {
        self.state.withLock { $0.requestsInFlight }
    }

    /// Returns once no instance serves a request, or after `timeout` of real time: lets a
    /// simulation finish the work of one instant before it moves its clock.
    public func requestsFinished(within timeout: Duration) async {
        let timer = Mutex<Task<Void, Never>?>(nil)
        await withCheckedContinuation { waiter in
            let (token, resumeNow) = self.state.withLock { $0.waitForIdle(waiter) }
            if let resumeNow {
                resumeNow.resume()
                return
            }
            timer.withLock { timer in
                timer = Task {
                    try? await Task.sleep(for: timeout)
                    self.state.withLock { $0.stopWaiting(token) }?.resume()
                }
            }
        }
        timer.withLock { $0 }?.cancel()
    }

    // MARK: Helpers

    /// The instances among `candidates` that died on their own.
    private func deadInstances(_ candidates: [(id: UInt64, instance: any PlatformInstance)]) -> Set<UInt64> {
        Set(candidates.filter { !$0.instance.isAlive }.map(\.id))
    }

    /// Carries out what the state machine decided: instances stopped or continued (each
    /// applies only its latest change), waiters woken, instances destroyed.
    func perform(_ effects: PlatformStateMachine.Effects) async {
        self.apply(effects)
        for slot in effects.destroyed {
            await slot.instance.destroy()
            self.logger.debug("instance destroyed", metadata: ["instance": "\(slot.id)"])
        }
    }

    /// The part of ``perform(_:)`` that does not wait: for events on the request path.
    func apply(_ effects: PlatformStateMachine.Effects) {
        for change in effects.runStates {
            change.instance.setRunning(change.running, generation: change.generation)
        }
        for waiter in effects.idle {
            waiter.resume()
        }
    }
}
