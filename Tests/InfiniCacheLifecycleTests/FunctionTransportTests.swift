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
        #expect(ended.served.load(ordering: .relaxed) == 0)
        #expect(transport.requestsOutstanding == 0)
    }
}
