import Foundation
import FunctionPlatform

/// The bookkeeping of a ``LocalFunctionPlatform`` as a state machine: every function's
/// instances (slots), their invocations, the requests they serve, billing, and reclaims.
/// The platform asks it under its lock; each event returns the ``Effects`` to carry out
/// once the lock is released — stopping or continuing instances, destroying them,
/// waking callers — so no signal is sent and no instance is touched under the lock.
struct PlatformStateMachine {
    /// One instance of a function, as the platform tracks it.
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
        /// Counts the instance's changes between running and stopped (see
        /// ``PlatformInstance/setRunning(_:generation:)``).
        var generation: UInt64 = 0
        /// When the bytes its requests moved have crossed its modelled link
        /// (``LocalFunctionPlatform/Configuration/linkModel``); its invocation runs, and is
        /// billed, at least until then.
        var linkBusyUntil: Duration = .zero

        /// Whether invocation `invocation` is running on this instance.
        func serves(_ invocation: UInt64) -> Bool {
            self.invocation == invocation && self.running != nil
        }
    }

    /// What the platform does after an event, outside its lock.
    struct Effects {
        /// Instances to stop (false) or continue (true), with the generation of the change.
        var runStates: [(instance: any PlatformInstance, running: Bool, generation: UInt64)] = []
        /// Instances reclaimed or shut down: to destroy.
        var destroyed: [Slot] = []
        /// Callers waiting for every request to finish.
        var idle: [CheckedContinuation<Void, Never>] = []
    }

    /// Where an invocation goes.
    enum Placement {
        /// On the idle instance `slot`, continued by `effects`.
        case warm(Slot, Effects)
        /// On a new instance `id`, to launch; `effects` destroy dead ones found meanwhile.
        case cold(id: UInt64, Effects)
    }

    private struct Function {
        /// Oldest first: an invocation goes to the oldest idle instance, so the instance
        /// that holds the data (the primary) keeps serving while it lives.
        var slots: [Slot] = []
        var usage: FunctionUsage
        /// The reclaim policy's draws for this function's instances: one per instance per
        /// tick, running or not, so that what one function's instances do never shifts
        /// another's draws, and a seeded run repeats.
        var random: SplitMix64

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

        /// Reclaims the idle instances `policy` picks for the time from `since` to `now`,
        /// drawing once per instance, running or not, and those in `dead`.
        mutating func reclaimIdle(policy: ReclaimPolicy, since: Duration, now: Duration, dead: Set<UInt64>) -> [Slot] {
            var random = self.random
            defer { self.random = random }
            return self.reclaim { slot in
                let drawn = Self.policyReclaims(policy, idleSince: slot.idleSince, since: since, now: now, random: &random)
                return slot.running == nil && (dead.contains(slot.id) || drawn)
            }
        }

        /// Whether `policy` reclaims an instance idle since `idleSince` over the time from
        /// `since` to `now` (its hazard applies to the part of it the instance was idle),
        /// were it idle; draws from `random` whenever the policy has a hazard, whatever the
        /// answer.
        private static func policyReclaims(_ policy: ReclaimPolicy, idleSince: Duration, since: Duration, now: Duration, random: inout SplitMix64) -> Bool {
            var reclaims = false
            if policy.hazardPerHour > 0 {
                let idleHours = max((now - max(since, idleSince)).seconds / 3600, 0)
                let chance = 1 - exp(-policy.hazardPerHour * idleHours)
                reclaims = Double.random(in: 0..<1, using: &random) < chance
            }
            if let lifetime = policy.maximumIdleLifetime, now - idleSince >= lifetime {
                reclaims = true
            }
            return reclaims
        }
    }

    private let configuration: LocalFunctionPlatform.Configuration
    private var functions: [String: Function]
    /// The names of `functions`, sorted once: ticks visit functions in this order, so
    /// that a seeded reclaim policy draws the same way in every run.
    private let functionNames: [String]
    private var nextInstanceID: UInt64 = 1
    private var lastTick: Duration
    private var isShutDown = false
    private var idleWaiters: [UInt64: CheckedContinuation<Void, Never>] = [:]
    private var nextWaiter: UInt64 = 0
    /// Requests the instances are serving now, over all functions.
    private(set) var requestsInFlight = 0

    /// Deploys `functions` (duplicates count once), none running, at time `now`.
    init(functions: [String], configuration: LocalFunctionPlatform.Configuration, now: Duration) {
        self.configuration = configuration
        let names = Set(functions).sorted()
        var seeds = SplitMix64(seed: configuration.reclaimPolicy.seed)
        self.functions = Dictionary(
            uniqueKeysWithValues: names.map {
                ($0, Function(usage: FunctionUsage(function: $0, memoryMiB: configuration.memoryMiB), random: SplitMix64(seed: seeds.next())))
            }
        )
        self.functionNames = names
        self.lastTick = now
    }

    // MARK: Invocations

    /// The idle instances of `function` (or of every function), whose liveness the caller
    /// checks outside the lock before ``invoke(_:payload:now:dead:)`` or
    /// ``tick(now:dead:)``.
    func idleInstances(of function: String? = nil) -> [(id: UInt64, instance: any PlatformInstance)] {
        let names = function.map { [$0] } ?? self.functionNames
        return names.flatMap { name in
            (self.functions[name]?.slots ?? []).filter { $0.running == nil }.map { ($0.id, $0.instance) }
        }
    }

    /// Places an invocation of `function`: on its oldest idle instance, or on a new one.
    /// Idle instances in `dead` died on their own and are dropped as if reclaimed.
    ///
    /// - Throws: ``PlatformError`` if the platform has shut down or the function is unknown.
    mutating func invoke(_ function: String, payload: InvocationPayload, now: Duration, dead: Set<UInt64>) throws(PlatformError) -> Placement {
        guard !self.isShutDown else {
            throw PlatformError(.invocationFailed, "the platform has shut down")
        }
        guard var deployed = self.functions[function] else {
            throw PlatformError(.unknownFunction, "no function named \(function) is deployed")
        }
        defer { self.functions[function] = deployed }
        var effects = Effects(destroyed: deployed.reclaim { $0.running == nil && dead.contains($0.id) })
        guard let index = deployed.slots.firstIndex(where: { $0.running == nil }) else {
            defer { self.nextInstanceID += 1 }
            return .cold(id: self.nextInstanceID, effects)
        }
        deployed.usage.invocations += 1
        deployed.slots[index].invocation += 1
        // An invocation that ended while its link was still busy ended when the bytes were
        // through, possibly after `now`: the next one starts then, so no time is billed
        // twice.
        let start = max(now, deployed.slots[index].idleSince)
        deployed.slots[index].running = (start, payload)
        deployed.slots[index].lastActivity = start
        effects.runStates.append(Self.runState(of: &deployed.slots[index]))
        return .warm(deployed.slots[index], effects)
    }

    /// Instance `id` of `function`, launched for a cold start at `now`, joins the
    /// function running `payload`; false if the platform shut down meanwhile (the caller
    /// destroys it).
    mutating func coldStarted(_ function: String, id: UInt64, instance: any PlatformInstance, payload: InvocationPayload, now: Duration) -> Slot? {
        guard !self.isShutDown, self.functions[function] != nil else { return nil }
        let slot = Slot(id: id, instance: instance, running: (now, payload), idleSince: now, lastActivity: now)
        self.functions[function]?.usage.invocations += 1
        self.functions[function]?.usage.coldStarts += 1
        self.functions[function]?.slots.append(slot)
        return slot
    }

    /// Whether invocation `invocation` of instance `id` is running.
    func isRunning(_ function: String, instance id: UInt64, invocation: UInt64) -> Bool {
        self.functions[function]?.slots.first { $0.id == id }?.serves(invocation) ?? false
    }

    // MARK: Requests

    /// Counts a request to the invocation's instance; false if the invocation has ended.
    mutating func beginRequest(_ function: String, instance id: UInt64, invocation: UInt64, now: Duration) -> Bool {
        let begun = self.withSlot(function, instance: id) { slot in
            guard slot.serves(invocation) else { return false }
            slot.inFlight += 1
            slot.lastActivity = max(slot.lastActivity, now)
            return true
        } ?? false
        if begun {
            self.requestsInFlight += 1
        }
        return begun
    }

    /// Counts a request's last response; an invocation asked to end while serving ends now
    /// if this was its last request. Every request ``beginRequest(_:instance:invocation:now:)``
    /// counted ends here exactly once, even if its instance was reclaimed meanwhile.
    /// `bytesMoved` (chunk bytes in and out) occupy the instance's modelled link, if the
    /// configuration has one, after any bytes still crossing it.
    mutating func endRequest(_ function: String, instance id: UInt64, bytesMoved: Int = 0, now: Duration) -> Effects {
        var effects = Effects()
        let transfer = self.configuration.linkModel?.transferTime(bytes: bytesMoved) ?? .zero
        let ended = self.withSlot(function, instance: id) { slot -> Bool in
            slot.inFlight -= 1
            slot.linkBusyUntil = max(slot.linkBusyUntil, now) + transfer
            slot.lastActivity = max(now, slot.linkBusyUntil)
            return slot.endRequested && slot.inFlight == 0
        }
        if ended == true {
            effects.runStates += self.finish(function, id, at: now)
        }
        self.requestsInFlight -= 1
        if self.requestsInFlight == 0 {
            effects.idle = Array(self.idleWaiters.values)
            self.idleWaiters.removeAll()
        }
        return effects
    }

    /// Ends an invocation: now, or after the requests it is serving.
    mutating func end(_ function: String, instance id: UInt64, invocation: UInt64, now: Duration) -> Effects {
        let endsNow = self.withSlot(function, instance: id) { slot -> Bool in
            guard slot.invocation == invocation, slot.running != nil else { return false }
            guard slot.inFlight == 0 else {
                slot.endRequested = true
                return false
            }
            return true
        } ?? false
        return Effects(runStates: endsNow ? self.finish(function, id, at: now) : [])
    }

    /// Registers `waiter` to be resumed once no request is in flight; returns it at once
    /// (to resume) if none is. `token` identifies it for ``stopWaiting(_:)``.
    mutating func waitForIdle(_ waiter: CheckedContinuation<Void, Never>) -> (token: UInt64, resumeNow: CheckedContinuation<Void, Never>?) {
        guard self.requestsInFlight > 0 else { return (0, waiter) }
        self.nextWaiter += 1
        self.idleWaiters[self.nextWaiter] = waiter
        return (self.nextWaiter, nil)
    }

    /// Gives up the wait `token`: returns its waiter, to resume, unless it was resumed.
    mutating func stopWaiting(_ token: UInt64) -> CheckedContinuation<Void, Never>? {
        self.idleWaiters.removeValue(forKey: token)
    }

    // MARK: Time and reclaims

    /// Applies the time passed since the last tick: returns serving instances idle for
    /// the extension window, and reclaims idle instances as the policy says, and those in
    /// `dead` (which died on their own).
    mutating func tick(now: Duration, dead: Set<UInt64>) -> Effects {
        let since = self.lastTick
        self.lastTick = now
        var effects = Effects()
        let policy = self.configuration.reclaimPolicy
        for name in self.functionNames {
            // Returns first, so that an instance that returned since the last tick is
            // exposed to reclaims for the time it has been idle.
            for slot in self.functions[name]!.slots {
                guard let running = slot.running, running.payload == .serve, slot.inFlight == 0 else { continue }
                let idleFor = max(slot.lastActivity, running.since) + self.configuration.extensionWindow - running.since
                let returnsAt = running.since + idleFor.roundedUp(to: self.configuration.billingGranularity)
                if now >= returnsAt {
                    effects.runStates += self.finish(name, slot.id, at: returnsAt)
                }
            }
            // Changed in place: a copy of the function would copy its slots every tick.
            effects.destroyed += self.functions[name]!.reclaimIdle(policy: policy, since: since, now: now, dead: dead)
        }
        return effects
    }

    /// Reclaims instance `id` now, running or not; a running invocation is billed up to
    /// `now`.
    mutating func reclaim(_ function: String, instance id: UInt64, now: Duration) -> Effects {
        guard self.functions[function]?.slots.contains(where: { $0.id == id }) == true else { return Effects() }
        var effects = Effects(runStates: self.finish(function, id, at: now, waitingForLink: false))
        effects.destroyed = self.functions[function]?.reclaim { $0.id == id } ?? []
        return effects
    }

    /// Ends every invocation at `now`, removes every instance (to destroy), and refuses
    /// invocations from then on.
    mutating func shutdown(now: Duration) -> Effects {
        self.isShutDown = true
        var effects = Effects()
        for name in self.functionNames {
            for slot in self.functions[name]?.slots ?? [] {
                effects.runStates += self.finish(name, slot.id, at: now, waitingForLink: false)
            }
            effects.destroyed += self.functions[name]?.slots ?? []
            self.functions[name]?.slots.removeAll()
        }
        return effects
    }

    // MARK: Reports

    /// The live instances of `function`, oldest first.
    func instances(of function: String) -> [Slot] {
        self.functions[function]?.slots ?? []
    }

    /// What every function has been billed for, by name.
    var usage: [FunctionUsage] {
        self.functionNames.compactMap { self.functions[$0]?.usage }
    }

    // MARK: Helpers

    /// Runs `change` on instance `id` of `function` and keeps what it changed; nil,
    /// without running it, if either is unknown.
    private mutating func withSlot<Result>(_ function: String, instance id: UInt64, _ change: (inout Slot) -> Result) -> Result? {
        guard let index = self.functions[function]?.slots.firstIndex(where: { $0.id == id }) else { return nil }
        return change(&self.functions[function]!.slots[index])
    }

    /// Ends the invocation on instance `id`, if one runs, at `end` (or, `waitingForLink`,
    /// once its modelled link has moved its bytes, if that is later), billing at least one
    /// unit; returns the stop of the instance.
    private mutating func finish(_ function: String, _ id: UInt64, at requestedEnd: Duration, waitingForLink: Bool = true) -> [(instance: any PlatformInstance, running: Bool, generation: UInt64)] {
        let granularity = self.configuration.billingGranularity
        let billed = self.withSlot(function, instance: id) { slot -> Duration? in
            guard let running = slot.running else { return nil }
            let end = waitingForLink ? max(requestedEnd, slot.linkBusyUntil) : requestedEnd
            slot.running = nil
            slot.endRequested = false
            slot.idleSince = end
            return max((end - running.since).roundedUp(to: granularity), granularity)
        }
        guard let billed = billed ?? nil else { return [] }
        self.functions[function]?.usage.billedDuration += billed
        return [self.withSlot(function, instance: id) { Self.runState(of: &$0) }!]
    }

    /// The next change of `slot` between running and stopped, to its current state.
    private static func runState(of slot: inout Slot) -> (instance: any PlatformInstance, running: Bool, generation: UInt64) {
        slot.generation += 1
        return (slot.instance, slot.running != nil, slot.generation)
    }
}
