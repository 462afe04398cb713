import ChunkTransport
import ChunkWire
import FunctionPlatform
@testable import InfiniCacheLifecycle
import InfiniCacheProxy
import NIOCore
import Synchronization
import Testing

/// An invocation whose instance answers every request with `stored` while it runs, and
/// refuses requests once it has ended.
private final class ScriptedInvocation: FunctionInvocation {
    let instanceID: UInt64
    private let running: Atomic<Bool>
    /// Requests sent to it, and of those, served.
    let sent = Atomic(0)
    let served = Atomic(0)

    init(instanceID: UInt64, running: Bool) {
        self.instanceID = instanceID
        self.running = Atomic(running)
    }

    var function: String { "f" }
    var isColdStart: Bool { false }
    var isRunning: Bool { self.running.load(ordering: .acquiring) }
    func end() { self.running.store(false, ordering: .releasing) }

    var transport: any FrameTransport { Answering(invocation: self) }

    private struct Answering: FrameTransport {
        let invocation: ScriptedInvocation

        func send(_ request: Frame, onResponse: @escaping ResponseHandler) -> PendingRequest {
            self.invocation.sent.add(1, ordering: .relaxed)
            guard self.invocation.isRunning else {
                onResponse(.failure(TransportError(.connectionClosed, "the invocation has ended")))
                return PendingRequest {}
            }
            self.invocation.served.add(1, ordering: .relaxed)
            onResponse(.success(request.response(.stored)))
            return PendingRequest {}
        }

        func close() async {}
    }
}

/// A platform that hands out the invocations it was given, in order.
private final class ScriptedPlatform: FunctionPlatform {
    private let queue: Mutex<[ScriptedInvocation]>

    init(_ invocations: [ScriptedInvocation]) {
        self.queue = Mutex(invocations)
    }

    func invoke(_ function: String, payload: InvocationPayload) async throws(PlatformError) -> any FunctionInvocation {
        guard let next = self.queue.withLock({ $0.isEmpty ? nil : $0.removeFirst() }) else {
            throw PlatformError(.invocationFailed, "no more scripted invocations")
        }
        return next
    }

    func usage() -> [FunctionUsage] { [] }
}

@Suite("Function transport")
struct FunctionTransportTests {
    @Test("requests that waited for an invocation that ended before they were handed to it go to the next one")
    func handOverToEndedInvocation() async throws {
        let ended = ScriptedInvocation(instanceID: 1, running: false)
        let next = ScriptedInvocation(instanceID: 1, running: true)
        let transport = FunctionTransport(function: "f", platform: ScriptedPlatform([ended, next]), ledger: LifecycleLedger(proxy: InfiniCacheProxy()))
        let answers = try await withThrowingTaskGroup(of: Frame.self) { group in
            for index in 0..<3 {
                group.addTask { try await transport.request(Frame(.putChunk, key: ByteBuffer(string: "k\(index)"))) }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(answers.allSatisfy { $0.opcode == Opcode.stored })
        #expect(next.served.load(ordering: .relaxed) == 3)
        #expect(ended.sent.load(ordering: .relaxed) == 0, "nothing was sent to the invocation that had ended")
        #expect(transport.requestsOutstanding == 0)
    }

    @Test("a request whose invocations keep ending before the hand-over fails after its attempts, not in a loop")
    func handOverGivesUp() async throws {
        let invocations = (0..<3).map { _ in ScriptedInvocation(instanceID: 1, running: false) }
        let transport = FunctionTransport(function: "f", platform: ScriptedPlatform(invocations), ledger: LifecycleLedger(proxy: InfiniCacheProxy()))
        await #expect(throws: TransportError.self) {
            try await transport.request(Frame(.putChunk, key: ByteBuffer(string: "k")))
        }
        #expect(invocations.map { $0.sent.load(ordering: .relaxed) } == [0, 0, 0])
        #expect(transport.requestsOutstanding == 0)
    }

    @Test("cancelling a request drops its answer, but the function still serves it, and it counts as outstanding until then")
    func cancelledRequestIsServed() async throws {
        let invocation = ScriptedInvocation(instanceID: 1, running: true)
        let transport = FunctionTransport(function: "f", platform: ScriptedPlatform([invocation]), ledger: LifecycleLedger(proxy: InfiniCacheProxy()))
        let answers = Atomic(0)
        let pending = transport.send(Frame(.putChunk, key: ByteBuffer(string: "k"))) { _ in answers.add(1, ordering: .relaxed) }
        pending.cancel()
        for _ in 0..<1000 where transport.requestsOutstanding > 0 {
            try await Task.sleep(for: .milliseconds(5))
        }
        #expect(transport.requestsOutstanding == 0)
        #expect(invocation.served.load(ordering: .relaxed) == 1, "the function served the cancelled request")
        #expect(answers.load(ordering: .relaxed) == 0, "its answer was dropped")
    }
}
