public import FunctionPlatform
import Foundation
public import Logging
import Synchronization

/// A ``FunctionPlatform`` on this machine: every instance is a cache node with memory of
/// its own — in this process or a process of its own, as its ``InstanceLauncher`` decides —
/// started on invocation, frozen between invocations (its invocation handles refuse
/// requests, and a process is stopped), and reclaimed by a ``ReclaimPolicy`` or on demand
/// ("chaos").
///
/// Time comes from a ``PlatformClock``; ``tick()`` applies what time did since the last
/// tick: serving instances that have been idle for the extension window return at the
/// next billing boundary, and idle instances are reclaimed by the policy. A real-time
/// deployment ticks every second; tests and simulations advance a ``ManualClock`` and tick.
public final class LocalFunctionPlatform: FunctionPlatform {
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
        /// Delays every response of the named functions' instances (stragglers, and
        /// requests caught in flight by a reclaim in tests).
        public var respondDelays: [String: Duration]

        /// Creates a configuration.
        public init(
            memoryMiB: Int = 1536,
            nodeCapacity: Int = 1 << 30,
            billingGranularity: Duration = .milliseconds(1),
            extensionWindow: Duration = .seconds(1),
            reclaimPolicy: ReclaimPolicy = ReclaimPolicy(),
            respondDelays: [String: Duration] = [:]
        ) {
            self.memoryMiB = memoryMiB
            self.nodeCapacity = nodeCapacity
            self.billingGranularity = billingGranularity
            self.extensionWindow = extensionWindow
            self.reclaimPolicy = reclaimPolicy
            self.respondDelays = respondDelays
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

    struct Slot {
        let id: UInt64
        let instance: any PlatformInstance
        /// Counts the instance's invocations, so a handle to an ended one stays ended.
        var invocation: UInt64 = 1
        var running: (since: Duration, payload: InvocationPayload)?
        var idleSince: Duration
        /// Requests being served, and when the instance last started or finished one.
        var inFlight = 0
        var lastActivity: Duration
        /// The invocation was asked to end while serving: it ends after its last request.
        var endRequested = false

        /// Whether invocation `invocation` is running on this instance and can serve.
        func serves(_ invocation: UInt64) -> Bool {
            self.invocation == invocation && self.running != nil && self.instance.isAlive
        }
    }

    struct Function {
        /// Oldest first: an invocation goes to the oldest idle instance, so the instance
        /// that holds the data (the primary) keeps serving while it lives.
        var slots: [Slot] = []
        var usage: FunctionUsage

        /// Removes the instances `isReclaimed` picks, counts them as reclaimed, and returns
        /// them for destruction.
        mutating func reclaim(where isReclaimed: (Slot) -> Bool) -> [Slot] {
            // One pass, asking once per instance: a policy may draw at random.
            var reclaimed: [Slot] = []
            self.slots.removeAll { slot in
                guard isReclaimed(slot) else { return false }
                reclaimed.append(slot)
                return true
            }
            self.usage.reclaims += reclaimed.count
            return reclaimed
        }
    }

    struct State {
        var functions: [String: Function]
        /// The names of `functions`, sorted once: ticks visit functions in this order, so
        /// that a seeded reclaim policy draws the same way in every run.
        let functionNames: [String]
        var nextInstanceID: UInt64 = 1
        var lastTick: Duration
        var random: SeededRandom
        var isShutDown = false

        /// Runs `change` on `function` and the index of its instance `id`, and keeps what
        /// it changed; nil, without running it, if either is unknown.
        mutating func withSlot<Result>(_ function: String, instance id: UInt64, _ change: (inout Function, Int) -> Result) -> Result? {
            guard var deployed = self.functions[function], let index = deployed.slots.firstIndex(where: { $0.id == id }) else {
                return nil
            }
            defer { self.functions[function] = deployed }
            return change(&deployed, index)
        }
    }

    /// The platform's settings.
    public let configuration: Configuration
    let clock: any PlatformClock
    private let launcher: any InstanceLauncher
    private let logger: Logger
    let state: Mutex<State>

    /// Deploys `functions` (names must be distinct) whose instances `launcher` starts; no
    /// instance runs until invoked.
    public init(
        functions: [String],
        configuration: Configuration = Configuration(),
        launcher: any InstanceLauncher = InProcessLauncher(),
        clock: any PlatformClock = SystemPlatformClock(),
        logger: Logger = Logger(label: "infinicache.platform")
    ) {
        self.configuration = configuration
        self.clock = clock
        self.launcher = launcher
        self.logger = logger
        let deployed = Dictionary(functions.map { ($0, Function(usage: FunctionUsage(function: $0, memoryMiB: configuration.memoryMiB))) }, uniquingKeysWith: { first, _ in first })
        self.state = Mutex(State(functions: deployed, functionNames: deployed.keys.sorted(), lastTick: clock.now, random: SeededRandom(seed: configuration.reclaimPolicy.seed)))
    }

    public func invoke(_ function: String, payload: InvocationPayload) async throws(PlatformError) -> any FunctionInvocation {
        let now = self.clock.now
        let (warm, dead) = try self.state.withLock { state throws(PlatformError) -> (Slot?, [Slot]) in
            guard !state.isShutDown else {
                throw PlatformError(.invocationFailed, "the platform has shut down")
            }
            guard var deployed = state.functions[function] else {
                throw PlatformError(.unknownFunction, "no function named \(function) is deployed")
            }
            defer { state.functions[function] = deployed }
            // An instance that died on its own (a crashed process) is gone, as if reclaimed.
            let dead = deployed.reclaim { $0.running == nil && !$0.instance.isAlive }
            guard let index = deployed.slots.firstIndex(where: { $0.running == nil }) else {
                return (nil, dead)
            }
            deployed.usage.invocations += 1
            deployed.slots[index].invocation += 1
            deployed.slots[index].running = (now, payload)
            deployed.slots[index].lastActivity = now
            deployed.slots[index].instance.thaw()
            return (deployed.slots[index], dead)
        }
        await self.discard(dead)
        if let warm {
            return LocalInvocation(platform: self, slot: warm, function: function, isColdStart: false)
        }
        return try await self.coldStart(function, payload: payload)
    }

    /// Starts a new instance, which may take a while (a process launches).
    private func coldStart(_ function: String, payload: InvocationPayload) async throws(PlatformError) -> any FunctionInvocation {
        let id = self.state.withLock { state in
            defer { state.nextInstanceID += 1 }
            return state.nextInstanceID
        }
        let instance: any PlatformInstance
        do {
            instance = try await self.launcher.launch(function: function, instance: id, capacity: self.configuration.nodeCapacity, respondDelay: self.configuration.respondDelays[function])
        } catch {
            throw PlatformError(.invocationFailed, "instance \(id) of \(function) did not start: \(error)")
        }
        let started = self.clock.now
        let slot = Slot(id: id, instance: instance, running: (started, payload), idleSince: started, lastActivity: started)
        let accepted = self.state.withLock { state in
            guard !state.isShutDown, state.functions[function] != nil else { return false }
            state.functions[function]?.usage.invocations += 1
            state.functions[function]?.usage.coldStarts += 1
            state.functions[function]?.slots.append(slot)
            return true
        }
        guard accepted else {
            await instance.destroy()
            throw PlatformError(.invocationFailed, "the platform shut down while instance \(id) of \(function) started")
        }
        return LocalInvocation(platform: self, slot: slot, function: function, isColdStart: true)
    }

    public func usage() -> [FunctionUsage] {
        self.state.withLock { $0.functions.values.map(\.usage).sorted { $0.function < $1.function } }
    }

    /// Applies the time passed since the last tick: returns serving instances idle for the
    /// extension window, and reclaims idle instances as the policy says (and drops those
    /// that died on their own).
    public func tick() async {
        let now = self.clock.now
        let reclaimed = self.state.withLock { state -> [Slot] in
            let hours = (now - state.lastTick).seconds / 3600
            state.lastTick = now
            var reclaimed: [Slot] = []
            for name in state.functionNames {
                var function = state.functions[name]!
                reclaimed += function.reclaim { slot in
                    slot.running == nil
                        && (!slot.instance.isAlive || self.shouldReclaim(idleSince: slot.idleSince, now: now, hours: hours, random: &state.random))
                }
                for index in function.slots.indices {
                    let slot = function.slots[index]
                    guard let running = slot.running, running.payload == .serve, slot.inFlight == 0 else { continue }
                    let idleFor = max(slot.lastActivity, running.since) + self.configuration.extensionWindow - running.since
                    let returnsAt = running.since + idleFor.roundedUp(to: self.configuration.billingGranularity)
                    if now >= returnsAt {
                        self.finish(&function, index, at: returnsAt)
                    }
                }
                state.functions[name] = function
            }
            return reclaimed
        }
        await self.discard(reclaimed)
    }

    /// Reclaims an instance now, running or not, as a provider may ("chaos"): its memory is
    /// gone and requests in flight to it fail. A running invocation is billed up to now.
    public func reclaim(_ function: String, instance id: UInt64) async {
        let now = self.clock.now
        let slot = self.state.withLock { state -> Slot? in
            state.withSlot(function, instance: id) { deployed, index in
                self.finish(&deployed, index, at: now)
                return deployed.reclaim { $0.id == id }.first
            } ?? nil
        }
        await self.discard(slot.map { [$0] } ?? [])
    }

    /// Destroys every instance, billing running invocations up to now, and refuses
    /// invocations from then on (processes are killed).
    public func shutdown() async {
        let now = self.clock.now
        let slots = self.state.withLock { state -> [Slot] in
            state.isShutDown = true
            var slots: [Slot] = []
            for name in state.functions.keys {
                var function = state.functions[name]!
                for index in function.slots.indices {
                    self.finish(&function, index, at: now)
                }
                slots += function.slots
                function.slots.removeAll()
                state.functions[name] = function
            }
            return slots
        }
        await self.discard(slots)
    }

    /// The live instances of `function`, oldest first.
    public func instances(of function: String) -> [InstanceInfo] {
        self.state.withLock { state in
            (state.functions[function]?.slots ?? []).map {
                InstanceInfo(id: $0.id, isRunning: $0.running != nil, chunkCount: $0.instance.chunkCount)
            }
        }
    }

    /// Requests the instances are serving now, over all functions.
    public var requestsInFlight: Int {
        self.state.withLock { state in
            state.functions.values.reduce(0) { sum, function in sum + function.slots.reduce(0) { $0 + $1.inFlight } }
        }
    }

    // MARK: Helpers

    private func shouldReclaim(idleSince: Duration, now: Duration, hours: Double, random: inout SeededRandom) -> Bool {
        let policy = self.configuration.reclaimPolicy
        if let lifetime = policy.maximumIdleLifetime, now - idleSince >= lifetime {
            return true
        }
        guard policy.hazardPerHour > 0, hours > 0 else { return false }
        let chance = 1 - exp(-policy.hazardPerHour * hours)
        return Double.random(in: 0..<1, using: &random) < chance
    }

    /// Ends the invocation on `slots[index]`, if one runs, at `end`, billing at least one
    /// unit, and freezes the instance.
    func finish(_ function: inout Function, _ index: Int, at end: Duration) {
        let granularity = self.configuration.billingGranularity
        guard let running = function.slots[index].running else { return }
        let billed = max((end - running.since).roundedUp(to: granularity), granularity)
        function.usage.billedDuration += billed
        function.slots[index].running = nil
        function.slots[index].endRequested = false
        function.slots[index].idleSince = end
        function.slots[index].instance.freeze()
    }

    private func discard(_ slots: [Slot]) async {
        for slot in slots {
            await slot.instance.destroy()
            self.logger.debug("instance destroyed", metadata: ["instance": "\(slot.id)"])
        }
    }
}
