import ChunkTransport
import ChunkWire
import FunctionPlatform
@testable import LocalFunctionPlatform
import TestSupport
import Testing

@Suite("Platform state machine")
struct PlatformStateMachineTests {
    private func machine(granularity: Duration = .milliseconds(100), policy: ReclaimPolicy = ReclaimPolicy(maximumIdleLifetime: nil)) -> PlatformStateMachine {
        PlatformStateMachine(functions: ["f"], configuration: LocalFunctionPlatform.Configuration(billingGranularity: granularity, reclaimPolicy: policy), now: .zero)
    }

    /// Invokes `f` at `now`, starting an instance if none is idle; returns the slot.
    private func invoke(_ machine: inout PlatformStateMachine, payload: InvocationPayload = .serve, at now: Duration) throws -> (slot: PlatformStateMachine.Slot, effects: PlatformStateMachine.Effects) {
        switch try machine.invoke("f", payload: payload, now: now, dead: []) {
        case .warm(let slot, let effects):
            return (slot, effects)
        case .cold(let id, let effects):
            let slot = machine.coldStarted("f", id: id, instance: InertInstance(), payload: payload, now: now)
            return (try #require(slot), effects)
        }
    }

    @Test("an invocation reuses the idle instance; stopping and continuing it carry growing generations")
    func runStates() throws {
        var machine = self.machine()
        let first = try self.invoke(&machine, at: .zero)
        #expect(first.effects.runStates.isEmpty, "a new instance starts running")
        let stop = machine.end("f", instance: first.slot.id, invocation: first.slot.invocation, now: .milliseconds(250))
        #expect(stop.runStates.map(\.running) == [false])
        let again = try self.invoke(&machine, at: .seconds(1))
        #expect(again.slot.id == first.slot.id)
        #expect(again.effects.runStates.map(\.running) == [true])
        #expect(again.effects.runStates[0].generation > stop.runStates[0].generation)
        #expect(!machine.isRunning("f", instance: first.slot.id, invocation: first.slot.invocation), "the old handle stays ended")
        #expect(machine.usage[0].billedDuration == .milliseconds(300), "250 ms rounded up to 100 ms units")
    }

    @Test("an invocation asked to end while serving ends with its last request; later requests are refused")
    func endAfterRequests() throws {
        var machine = self.machine()
        let slot = try self.invoke(&machine, at: .zero).slot
        let begun = machine.beginRequest("f", instance: slot.id, invocation: slot.invocation, now: .zero)
        #expect(begun)
        let endAsked = machine.end("f", instance: slot.id, invocation: slot.invocation, now: .zero)
        #expect(endAsked.runStates.isEmpty)
        #expect(machine.isRunning("f", instance: slot.id, invocation: slot.invocation))
        #expect(machine.requestsInFlight == 1)
        let ended = machine.endRequest("f", instance: slot.id, now: .milliseconds(10))
        #expect(ended.runStates.map(\.running) == [false])
        #expect(machine.requestsInFlight == 0)
        let late = machine.beginRequest("f", instance: slot.id, invocation: slot.invocation, now: .milliseconds(20))
        #expect(!late)
    }

    @Test("a serving instance returns after the extension window at a billing boundary; idle ones are reclaimed")
    func tick() throws {
        var machine = self.machine(policy: ReclaimPolicy(maximumIdleLifetime: .seconds(60)))
        let slot = try self.invoke(&machine, at: .zero).slot
        let early = machine.tick(now: .milliseconds(999), dead: [])
        #expect(early.runStates.isEmpty)
        let returned = machine.tick(now: .seconds(1), dead: [])
        #expect(returned.runStates.map(\.running) == [false])
        let idle = machine.tick(now: .seconds(30), dead: [])
        #expect(idle.destroyed.isEmpty)
        let reclaimed = machine.tick(now: .seconds(61), dead: [])
        #expect(reclaimed.destroyed.map(\.id) == [slot.id])
        #expect(machine.instances(of: "f").isEmpty)
        #expect(machine.usage[0].reclaims == 1)
    }

    @Test("an idle instance that died on its own is dropped, and the invocation cold-starts")
    func deadInstance() throws {
        var machine = self.machine()
        let slot = try self.invoke(&machine, at: .zero).slot
        _ = machine.end("f", instance: slot.id, invocation: slot.invocation, now: .zero)
        guard case .cold(let id, let effects) = try machine.invoke("f", payload: .serve, now: .seconds(1), dead: [slot.id]) else {
            Issue.record("a dead instance took the invocation")
            return
        }
        #expect(id != slot.id)
        #expect(effects.destroyed.map(\.id) == [slot.id])
    }

    @Test("a reclaim bills a running invocation up to now; shutdown refuses invocations")
    func reclaimAndShutdown() throws {
        var machine = self.machine()
        let slot = try self.invoke(&machine, at: .zero).slot
        let reclaimed = machine.reclaim("f", instance: slot.id, now: .milliseconds(150))
        #expect(reclaimed.destroyed.map(\.id) == [slot.id])
        #expect(machine.usage[0].billedDuration == .milliseconds(200))
        _ = try self.invoke(&machine, at: .seconds(1))
        let shutDown = machine.shutdown(now: .seconds(2))
        #expect(shutDown.destroyed.count == 1)
        #expect(throws: PlatformError.self) {
            _ = try machine.invoke("f", payload: .serve, now: .seconds(3), dead: [])
        }
        #expect(throws: PlatformError.self) {
            var other = self.machine()
            _ = try other.invoke("g", payload: .serve, now: .zero, dead: [])
        }
    }

    @Test("a caller waiting for idle is resumed when the last request ends")
    func waitForIdle() async throws {
        var machine = self.machine()
        let slot = try self.invoke(&machine, at: .zero).slot
        let begun = machine.beginRequest("f", instance: slot.id, invocation: slot.invocation, now: .zero)
        #expect(begun)
        await withCheckedContinuation { waiter in
            let (_, resumeNow) = machine.waitForIdle(waiter)
            #expect(resumeNow == nil)
            let effects = machine.endRequest("f", instance: slot.id, now: .zero)
            #expect(effects.idle.count == 1)
            effects.idle.forEach { $0.resume() }
        }
    }

    @Test("a request whose instance was reclaimed meanwhile still counts down, and wakes a caller waiting for idle")
    func requestOnReclaimedInstance() async throws {
        var machine = self.machine()
        let slot = try self.invoke(&machine, at: .zero).slot
        let begun = machine.beginRequest("f", instance: slot.id, invocation: slot.invocation, now: .zero)
        #expect(begun)
        _ = machine.reclaim("f", instance: slot.id, now: .milliseconds(10))
        await withCheckedContinuation { waiter in
            let (_, resumeNow) = machine.waitForIdle(waiter)
            #expect(resumeNow == nil)
            let effects = machine.endRequest("f", instance: slot.id, now: .milliseconds(20))
            #expect(effects.idle.count == 1)
            #expect(machine.requestsInFlight == 0)
            effects.idle.forEach { $0.resume() }
        }
    }
}
