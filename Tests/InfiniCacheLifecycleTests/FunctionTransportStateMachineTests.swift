import ChunkTransport
import ChunkWire
import FunctionPlatform
@testable import InfiniCacheLifecycle
import TestSupport
import Testing

/// An invocation that is only an identity: the machine never calls into it.
private struct FakeInvocation: FunctionInvocation {
    let instanceID: UInt64
    var function: String { "f" }
    var isColdStart: Bool { false }
    var isRunning: Bool { true }
    var transport: any FrameTransport { UnusedTransport() }
    func end() {}
}

@Suite("Function transport state machine")
struct FunctionTransportStateMachineTests {
    @Test("the first request starts an invocation, later ones wait for it, and all get it in order, the starter first")
    func startAndJoin() {
        var machine = FunctionTransportStateMachine<Int>()
        guard case .start = machine.route(1), case .wait = machine.route(2) else {
            Issue.record("expected start, then wait")
            return
        }
        let started = machine.started(FakeInvocation(instanceID: 10))
        #expect(started?.previousInstance == nil)
        #expect(started?.waiters == [1, 2])
        guard case .wait = machine.route(3) else {
            Issue.record("a request that came while the waiters were handed over overtook them")
            return
        }
        #expect(machine.handedOver() == [3])
        #expect(machine.handedOver() == [])
        guard case .check(let invocation, _) = machine.route(4) else {
            Issue.record("a request after the hand-over was not sent to the invocation")
            return
        }
        #expect(invocation.instanceID == 10)
    }

    @Test("a stopped invocation is replaced, and the next one learns the instance before it")
    func replaceStopped() {
        var machine = FunctionTransportStateMachine<Int>()
        _ = machine.route(1)
        _ = machine.started(FakeInvocation(instanceID: 10))
        _ = machine.handedOver()
        guard case .check(_, let generation) = machine.route(2) else {
            Issue.record("expected the running invocation")
            return
        }
        machine.stopped(generation)
        guard case .start = machine.route(2) else {
            Issue.record("a stopped invocation was not replaced")
            return
        }
        let started = machine.started(FakeInvocation(instanceID: 11))
        #expect(started?.previousInstance == 10, "a different instance than before means the primary was reclaimed")
        _ = machine.handedOver()
        machine.stopped(generation)
        guard case .check(let current, _) = machine.route(3) else {
            Issue.record("a stale report of the old invocation dropped the new one")
            return
        }
        #expect(current.instanceID == 11)
    }

    @Test("a hand-over abandoned because the invocation ended returns the waiters queued meanwhile; the next route starts again")
    func abandonedHandOver() {
        var machine = FunctionTransportStateMachine<Int>()
        _ = machine.route(1)
        _ = machine.started(FakeInvocation(instanceID: 10))
        _ = machine.route(2)
        #expect(machine.handOverAbandoned() == [2])
        guard case .start = machine.route(3) else {
            Issue.record("no new start after an abandoned hand-over")
            return
        }
    }

    @Test("a failed start fails its waiters, and the next request starts again")
    func failedStart() {
        var machine = FunctionTransportStateMachine<Int>()
        _ = machine.route(1)
        _ = machine.route(2)
        let failed = machine.startFailed()
        #expect(failed == [1, 2])
        guard case .start = machine.route(3) else {
            Issue.record("no new start after a failed one")
            return
        }
    }

    @Test("closing ends the current invocation, fails the waiters, and refuses later requests")
    func close() {
        var machine = FunctionTransportStateMachine<Int>()
        _ = machine.route(1)
        _ = machine.started(FakeInvocation(instanceID: 10))
        _ = machine.handedOver()
        let closedWhileRunning = machine.close()
        #expect(closedWhileRunning.current?.instanceID == 10)
        guard case .closed = machine.route(2) else {
            Issue.record("a closed transport took a request")
            return
        }
        var starting = FunctionTransportStateMachine<Int>()
        _ = starting.route(1)
        let closed = starting.close()
        #expect(closed.current == nil && closed.waiters == [1])
        #expect(starting.started(FakeInvocation(instanceID: 11)) == nil, "an invocation that started after the close is ended, not adopted")
        var handingOver = FunctionTransportStateMachine<Int>()
        _ = handingOver.route(1)
        _ = handingOver.started(FakeInvocation(instanceID: 12))
        #expect(handingOver.close().current?.instanceID == 12, "an invocation being handed its waiters is ended by a close")
        #expect(handingOver.handedOver() == [])
    }
}
