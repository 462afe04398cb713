import ChunkTransport
import ChunkTransportInProcess
import ChunkTransportTCP
import ChunkWire
import NIOCore
import Synchronization
import Testing

/// Answers `getChunk` at once, on the transport's thread, with the request's key; holds
/// every `delete` unanswered until it is cancelled, counting the cancellations its sink
/// reports. Other requests take the task path of ``TestResponder``.
private final class InlineResponder: FrameResponder {
    let held = Mutex(0)
    let cancellations = Mutex(0)
    private let base = TestResponder()

    func respond(to request: Frame, replies: ReplySink) {
        switch request.opcode {
        case .getChunk where request.stripeIndex == 0:
            replies.post(Frame(.chunkData, payload: request.key))
        case .delete:
            replies.onCancel { self.cancellations.withLock { $0 += 1 } }
            self.held.withLock { $0 += 1 }
        default:
            self.base.respond(to: request, replies: replies)
        }
    }
}

/// What a ``ResponseHandler`` received.
private final class Received: Sendable {
    let frames = Mutex<[Frame]>([])
    let failures = Mutex<[any Error]>([])

    @Sendable func take(_ result: Result<Frame, any Error>) {
        switch result {
        case .success(let frame): self.frames.withLock { $0.append(frame) }
        case .failure(let error): self.failures.withLock { $0.append(error) }
        }
    }
}

/// A request an ``InlineResponder`` holds, and what its test needs to act on it.
private struct HeldRequest {
    let responder: InlineResponder
    let transport: any FrameTransport
    let received: Received
    let pending: PendingRequest
    let stop: @Sendable () async -> Void
}

enum CallbackWiring: CaseIterable, Sendable {
    case inProcess
    case tcp
}

@Suite("Callback delivery and inline responders")
struct CallbackTransportTests {
    /// A transport to `responder` over `wiring`, and how to tear it down.
    private func connect(_ wiring: CallbackWiring, to responder: any FrameResponder) async throws -> (transport: any FrameTransport, stop: @Sendable () async -> Void) {
        switch wiring {
        case .inProcess:
            let transport = InProcessTransport(to: responder)
            return (transport, { await transport.close() })
        case .tcp:
            let pair = try await LoopbackPair.start(responder: responder)
            return (pair.node.connection, { await pair.stop() })
        }
    }

    /// A `delete` sent over `wiring` to an ``InlineResponder`` that holds it unanswered,
    /// once the responder has it.
    private func holdRequest(_ wiring: CallbackWiring) async throws -> HeldRequest {
        let responder = InlineResponder()
        let (transport, stop) = try await self.connect(wiring, to: responder)
        let received = Received()
        let pending = transport.send(Frame(.delete, key: ByteBuffer(string: "k")), onResponse: received.take)
        try await waitUntil { responder.held.withLock { $0 } == 1 }
        return HeldRequest(responder: responder, transport: transport, received: received, pending: pending, stop: stop)
    }

    @Test("responses reach the callback in order, the last without more; inline and task answers alike", arguments: CallbackWiring.allCases)
    func order(wiring: CallbackWiring) async throws {
        let (transport, stop) = try await self.connect(wiring, to: InlineResponder())
        let streamed = Received()
        _ = transport.send(getRequest("beta", streaming: 3), onResponse: streamed.take)
        let inline = Received()
        _ = transport.request(getRequest("alpha"), onAnswer: inline.take)
        try await waitUntil { streamed.frames.withLock { $0.count } == 3 && inline.frames.withLock { $0.count } == 1 }
        let parts = streamed.frames.withLock { $0 }
        #expect(parts.map { $0.flags.contains(.more) } == [true, true, false])
        #expect(parts.map { $0.payload.getInteger(at: $0.payload.readableBytes - 4, as: UInt32.self) } == [0, 1, 2])
        #expect(inline.frames.withLock { $0.first?.payload } == ByteBuffer(string: "alpha"))
        #expect(streamed.failures.withLock { $0.isEmpty } && inline.failures.withLock { $0.isEmpty })
        await stop()
    }

    @Test("cancelling a request answered inline runs the responder's cancellation handler and delivers nothing", arguments: CallbackWiring.allCases)
    func cancel(wiring: CallbackWiring) async throws {
        let held = try await self.holdRequest(wiring)
        held.pending.cancel()
        try await waitUntil { held.responder.cancellations.withLock { $0 } == 1 }
        #expect(held.received.frames.withLock { $0.isEmpty } && held.received.failures.withLock { $0.isEmpty })
        await held.stop()
    }

    @Test("closing the transport fails a held request with connectionClosed, once", arguments: CallbackWiring.allCases)
    func close(wiring: CallbackWiring) async throws {
        let held = try await self.holdRequest(wiring)
        await held.transport.close()
        try await waitUntil { !held.received.failures.withLock { $0.isEmpty } }
        let failures = held.received.failures.withLock { $0 }
        #expect(failures.count == 1)
        #expect((failures.first as? TransportError)?.code == .connectionClosed)
        #expect(held.received.frames.withLock { $0.isEmpty })
        try await waitUntil { held.responder.cancellations.withLock { $0 } == 1 }
        await held.stop()
    }
}

/// A transport that answers every request with two responses, the first with `more`,
/// and counts the requests cancelled.
private final class TwoPartTransport: FrameTransport {
    let cancellations = Mutex(0)

    func send(_ request: Frame, onResponse: @escaping ResponseHandler) -> PendingRequest {
        onResponse(.success(Frame(.chunkData, flags: .more, payload: request.key)))
        onResponse(.success(Frame(.chunkData, payload: request.key)))
        return PendingRequest { self.cancellations.withLock { $0 += 1 } }
    }

    func close() async {}
}

private final class Token: Sendable {}

private final class Flag: Sendable {
    let isSet = Mutex(false)
}

@Suite("Callback delivery edge cases")
struct CallbackEdgeCaseTests {
    @Test("the stream form over the callback delivers every response and ends after the final one")
    func streamForm() async throws {
        let transport = TwoPartTransport()
        var parts: [Frame] = []
        for try await part in transport.send(getRequest("x")) {
            parts.append(part)
        }
        #expect(parts.map { $0.flags.contains(.more) } == [true, false])
        #expect(transport.cancellations.withLock { $0 } == 0)
        #expect(try await transport.request(getRequest("y")).payload == ByteBuffer(string: "y"))
    }

    @Test("a task that runs a responder's work posts an internal error if the work sends no final response")
    func runGuaranteesFinal() async throws {
        struct Forgetful: FrameResponder {
            func respond(to request: Frame, replies: ReplySink) {
                replies.run { _ in }
            }
        }
        let answer = try await InProcessTransport(to: Forgetful()).request(getRequest("x"))
        #expect(answer.opcode == .error)
        #expect(try ErrorMessage(from: answer).code == .internalError)
    }

    @Test("a sink lets its cancellation handler go once the final response is sent, and never runs it")
    func finishedSinkReleasesHandler() {
        let ran = Flag()
        weak var released: Token?
        let replies = ReplySink(requestID: 1) { _ in nil }
        do {
            let token = Token()
            released = token
            replies.onCancel { [token] in
                _ = token
                ran.isSet.withLock { $0 = true }
            }
        }
        #expect(released != nil)
        replies.post(Frame(.chunkData))
        #expect(released == nil)
        replies.onCancel { ran.isSet.withLock { $0 = true } }
        #expect(!ran.isSet.withLock { $0 })
    }
}
