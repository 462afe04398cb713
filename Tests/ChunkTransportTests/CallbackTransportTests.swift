import ChunkTransport
import ChunkWire
import NIOCore
import Synchronization
import Testing

/// Answers `getChunk` inline, at once, with the request's key; holds every `delete`
/// unanswered until it is cancelled, counting the cancellations its sink reports. Other
/// requests take the task path of ``TestResponder``.
private final class InlineResponder: FrameResponder {
    let held = Mutex(0)
    let cancellations = Mutex(0)
    private let base = TestResponder()

    func respond(to request: Frame, replies: ReplySink) async throws {
        try await self.base.respond(to: request, replies: replies)
    }

    func respondInline(to request: Frame, replies: ReplySink) -> Bool {
        switch request.opcode {
        case .getChunk where request.stripeIndex == 0:
            replies.post(Frame(.chunkData, payload: request.key))
        case .delete:
            replies.onCancel { self.cancellations.withLock { $0 += 1 } }
            self.held.withLock { $0 += 1 }
        default:
            return false
        }
        return true
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
    let transport: any NodeTransport
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
    private func connect(_ wiring: CallbackWiring, to responder: any FrameResponder) async throws -> (transport: any NodeTransport, stop: @Sendable () async -> Void) {
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

/// A transport whose response streams end at once, without a response.
private struct SilentTransport: NodeTransport {
    func send(_ request: Frame) -> FrameResponses {
        let (responses, continuation) = FrameResponses.makeStream()
        continuation.finish()
        return responses
    }

    func close() async {}
}

private final class Token: Sendable {}

private final class Flag: Sendable {
    let isSet = Mutex(false)
}

@Suite("Callback delivery edge cases")
struct CallbackEdgeCaseTests {
    @Test("the default callback delivery reports a stream that ends without its final response as a failure")
    func silentStream() async throws {
        let received = Received()
        _ = SilentTransport().send(getRequest("x"), onResponse: received.take)
        try await waitUntil { !received.failures.withLock { $0.isEmpty } }
        #expect((received.failures.withLock { $0.first } as? TransportError)?.code == .connectionClosed)
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
