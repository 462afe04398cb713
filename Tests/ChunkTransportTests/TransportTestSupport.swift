import ChunkTransport
import ChunkTransportTCP
import ChunkWire
import NIOCore
import NIOPosix
import Synchronization
import TestSupport

/// A responder for tests: `getChunk` answers with the request's key as payload after an
/// optional delay; `putChunk` echoes its payload back in a chunkData; a `getChunk` whose
/// stripe index is n > 0 streams n responses; `delete` records that it was cancelled if
/// cancelled while it waits forever. It answers in a task (`ReplySink.run`).
final class TestResponder: FrameResponder {
    let delay: Duration
    let cancellations = Mutex(0)
    let served = Mutex(0)

    init(delay: Duration = .zero) {
        self.delay = delay
    }

    func respond(to request: Frame, replies: ReplySink) {
        replies.run { replies in
            try await self.serve(request, replies: replies)
        }
    }

    private func serve(_ request: Frame, replies: ReplySink) async throws {
        self.served.withLock { $0 += 1 }
        switch request.opcode {
        case .getChunk where request.stripeIndex > 0:
            for part in 0..<request.stripeIndex {
                var payload = request.key
                payload.writeInteger(part)
                try await replies.send(Frame(.chunkData, payload: payload), final: part == request.stripeIndex - 1)
            }
        case .getChunk:
            if self.delay > .zero {
                try await Task.sleep(for: self.delay)
            }
            try await replies.send(Frame(.chunkData, payload: request.key))
        case .putChunk:
            try await replies.send(Frame(.chunkData, payload: request.payload, payloadChecksum: request.payloadChecksum))
        case .delete:
            do {
                try await Task.sleep(for: .seconds(3600))
            } catch {
                self.cancellations.withLock { $0 += 1 }
                throw error
            }
        default:
            throw ErrorMessage(.badRequest, "unsupported \(request.opcode)")
        }
    }
}

/// A get for `key`, whose answer from ``TestResponder`` carries `key` as its payload.
func getRequest(_ key: String, streaming parts: UInt32 = 0) -> Frame {
    Frame(.getChunk, key: ByteBuffer(string: key), stripeIndex: parts)
}

/// A proxy-side listener with one node connected to it over loopback TCP.
struct LoopbackPair {
    let listener: NodeListener
    let session: NodeSession
    let node: RegisteredNode

    static let token = Array("test-token".utf8)

    static func start(responder: any FrameResponder, configuration: TransportConfiguration = .default) async throws -> LoopbackPair {
        let registered = Mutex<RegisteredNode?>(nil)
        let listener = try await NodeListener.bind(token: self.token, configuration: configuration) { node in
            registered.withLock { $0 = node }
        }
        let hello = HelloMessage(functionID: "node-0", instanceID: 1, memoryCapacity: 1 << 30, token: self.token)
        let session = try await NodeSession.connect(host: "127.0.0.1", port: listener.port, hello: hello, responder: responder, configuration: configuration)
        // The listener registers a node before it welcomes it.
        guard let node = registered.withLock({ $0 }) else {
            throw TransportError(.connectionClosed, "the node was welcomed before it was registered")
        }
        return LoopbackPair(listener: listener, session: session, node: node)
    }

    func stop() async {
        await self.node.connection.close()
        await self.session.close()
        await self.listener.close()
    }
}

/// A node listener whose registrations arrive on a stream, in order.
func registeringListener(configuration: TransportConfiguration = .default) async throws -> (NodeListener, AsyncStream<RegisteredNode>) {
    let (registrations, continuation) = AsyncStream<RegisteredNode>.makeStream()
    let listener = try await NodeListener.bind(token: LoopbackPair.token, configuration: configuration) { continuation.yield($0) }
    return (listener, registrations)
}

/// The first node `registrations` yields. Throws if none registers within `limit`: a peer
/// whose hello misses the listener's handshake deadline (a starved task can be that late)
/// is never registered, and waiting on the stream alone would then never end.
func firstRegistration(_ registrations: AsyncStream<RegisteredNode>, within limit: Duration = .seconds(30)) async throws -> RegisteredNode {
    guard let node = try await within(limit, { await registrations.first { _ in true } }) else {
        throw TransportError(.connectionClosed, "the listener closed before a node registered")
    }
    return node
}
