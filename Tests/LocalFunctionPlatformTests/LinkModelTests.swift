import ChunkTransport
import FunctionPlatform
@testable import LocalFunctionPlatform
import TestSupport
import Testing

@Suite("Link model and seeded reclaims")
struct LinkModelTests {
    private func machine(functions: [String] = ["f"], granularity: Duration, link: LinkModel? = nil, policy: ReclaimPolicy = ReclaimPolicy(maximumIdleLifetime: nil)) -> PlatformStateMachine {
        PlatformStateMachine(
            functions: functions,
            configuration: LocalFunctionPlatform.Configuration(billingGranularity: granularity, extensionWindow: .zero, reclaimPolicy: policy, linkModel: link),
            now: .zero
        )
    }

    private func start(_ machine: inout PlatformStateMachine, _ function: String = "f", payload: InvocationPayload = .serve, at now: Duration) throws -> PlatformStateMachine.Slot {
        guard case .cold(let id, _) = try machine.invoke(function, payload: payload, now: now, dead: []) else {
            throw PlatformError(.invocationFailed, "expected a cold start")
        }
        let slot = machine.coldStarted(function, id: id, instance: InertInstance(), payload: payload, now: now)
        return try #require(slot)
    }

    /// Starts a backup invocation at time zero that serves one request moving `bytes`,
    /// then asks it to end at time zero.
    private func serveAndEnd(_ machine: inout PlatformStateMachine, bytes: Int) throws {
        let slot = try self.start(&machine, payload: .backup, at: .zero)
        let begun = machine.beginRequest("f", instance: slot.id, invocation: slot.invocation, now: .zero)
        #expect(begun)
        _ = machine.endRequest("f", instance: slot.id, bytesMoved: bytes, now: .zero)
        _ = machine.end("f", instance: slot.id, invocation: slot.invocation, now: .zero)
    }

    @Test("transfer time is bytes × scale × 8 / rate")
    func transferTime() {
        #expect(LinkModel(bitsPerSecond: 800e6).transferTime(bytes: 5_000_000) == .milliseconds(50))
        #expect(LinkModel(bitsPerSecond: 800e6, byteScale: 1000).transferTime(bytes: 5000) == .milliseconds(50))
        #expect(LinkModel(bitsPerSecond: 0).bitsPerSecond == 1, "a non-positive rate is not a division by zero")
        #expect(LinkModel().transferTime(bytes: -1) == .zero)
    }

    @Test("a serving instance runs, and is billed, until its requests' bytes have crossed its link, one after another")
    func billedUntilLinkIsDone() throws {
        var machine = self.machine(granularity: .milliseconds(1), link: LinkModel(bitsPerSecond: 800e6))
        let slot = try self.start(&machine, at: .zero)
        for _ in 0..<2 {
            let begun = machine.beginRequest("f", instance: slot.id, invocation: slot.invocation, now: .zero)
            #expect(begun)
            _ = machine.endRequest("f", instance: slot.id, bytesMoved: 5_000_000, now: .zero)
        }
        let early = machine.tick(now: .milliseconds(99), dead: [])
        #expect(early.runStates.isEmpty, "two 50 ms transfers keep it busy for 100 ms")
        let returned = machine.tick(now: .milliseconds(100), dead: [])
        #expect(returned.runStates.map(\.running) == [false])
        #expect(machine.usage[0].billedDuration == .milliseconds(100))
    }

    @Test("an invocation ended while its link is busy ends, and is billed, when the bytes are through")
    func endWaitsForLink() throws {
        var machine = self.machine(granularity: .milliseconds(100), link: LinkModel(bitsPerSecond: 800e6))
        try self.serveAndEnd(&machine, bytes: 15_000_000)
        #expect(machine.usage[0].billedDuration == .milliseconds(200), "150 ms of transfer, rounded up to 100 ms units")
    }

    @Test("an invocation that starts while the last one's bytes are still crossing the link starts when they are through: nothing is billed twice")
    func noDoubleBilling() throws {
        var machine = self.machine(granularity: .milliseconds(1), link: LinkModel(bitsPerSecond: 800e6))
        try self.serveAndEnd(&machine, bytes: 5_000_000)
        guard case .warm(let again, _) = try machine.invoke("f", payload: .warmUp, now: .zero, dead: []) else {
            Issue.record("expected the idle instance")
            return
        }
        _ = machine.end("f", instance: again.id, invocation: again.invocation, now: .zero)
        #expect(machine.usage[0].billedDuration == .milliseconds(51), "50 ms of transfer, then one 1 ms unit of warm-up")
    }

    @Test("without a link model, bytes moved add nothing")
    func noModel() throws {
        var machine = self.machine(granularity: .milliseconds(1))
        let slot = try self.start(&machine, at: .zero)
        let begun = machine.beginRequest("f", instance: slot.id, invocation: slot.invocation, now: .zero)
        #expect(begun)
        _ = machine.endRequest("f", instance: slot.id, bytesMoved: 1 << 30, now: .zero)
        _ = machine.tick(now: .seconds(1), dead: [])
        #expect(machine.usage[0].billedDuration == .milliseconds(1))
    }

    @Test("one function's instances never shift another's reclaim draws")
    func drawsPerFunction() throws {
        let policy = ReclaimPolicy(maximumIdleLifetime: nil, hazardPerHour: 2, seed: 7)
        /// When `g`'s idle instance is reclaimed over ten hours of ticks, with `f` idle
        /// or running meanwhile.
        func reclaimTime(fRunning: Bool) throws -> Duration? {
            var machine = self.machine(functions: ["f", "g"], granularity: .milliseconds(1), policy: policy)
            let f = try self.start(&machine, "f", payload: .backup, at: .zero)
            let g = try self.start(&machine, "g", payload: .warmUp, at: .zero)
            _ = machine.end("g", instance: g.id, invocation: g.invocation, now: .zero)
            if !fRunning {
                _ = machine.end("f", instance: f.id, invocation: f.invocation, now: .zero)
            }
            for minute in 1...600 {
                let now = Duration.seconds(60 * minute)
                _ = machine.tick(now: now, dead: [])
                if machine.instances(of: "g").isEmpty { return now }
            }
            return nil
        }
        let alone = try reclaimTime(fRunning: true)
        #expect(alone != nil, "a hazard of 2 per hour reclaims within ten hours")
        #expect(try reclaimTime(fRunning: false) == alone)
    }
}
