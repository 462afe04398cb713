public import ChunkWire
public import NIOCore
public import NIOPosix

/// A cache node that dialled in and passed the hello check.
public struct RegisteredNode: Sendable {
    /// What the node said about itself.
    public let hello: HelloMessage
    /// The transport to send the node requests over.
    public let connection: FrameConnection
}

/// The proxy's node port. Serverless functions cannot accept connections, so cache nodes
/// dial out to this listener and introduce themselves with a hello frame; a node whose
/// token matches gets a welcome and appears on ``nodes``, anything else gets an error
/// frame and is disconnected without disturbing other connections.
public final class NodeListener: Sendable {
    private let channel: any Channel

    /// Nodes in the order they registered. Finishes when the listener closes.
    public let nodes: AsyncStream<RegisteredNode>

    private init(channel: any Channel, nodes: AsyncStream<RegisteredNode>) {
        self.channel = channel
        self.nodes = nodes
    }

    /// The port the listener is bound to (useful after binding port 0).
    public var port: Int {
        self.channel.localAddress?.port ?? 0
    }

    /// Starts listening on `host`:`port` for nodes presenting `token`.
    public static func bind(
        host: String = "127.0.0.1",
        port: Int = 0,
        token: [UInt8],
        configuration: TransportConfiguration = .default,
        group: any EventLoopGroup = NIOSingletons.posixEventLoopGroup
    ) async throws -> NodeListener {
        let (nodes, registrations) = AsyncStream<RegisteredNode>.makeStream()
        let listening: any Channel
        do {
            listening = try await listen(host: host, port: port, group: group) { channel in
                let requester = RequesterHandler(configuration: configuration)
                let registered = channel.eventLoop.makePromise(of: Frame.self)
                let handshake = HandshakeHandler(
                    opening: nil,
                    timeout: configuration.handshakeTimeout,
                    successor: requester,
                    completion: registered
                ) { frame in
                    do {
                        guard constantTimeEquals(try HelloMessage(from: frame).token, token) else {
                            return .reject(reply: ErrorMessage(.unauthorized, "the hello's token is not accepted"), error: TransportError(.rejected, "bad token"))
                        }
                        return .accept(reply: Frame(.welcome, payloadChecksum: 0))
                    } catch {
                        return .reject(reply: ErrorMessage(.unauthorized, "the first frame must be a hello: \(error)"), error: TransportError(.rejected, "no hello", cause: error))
                    }
                }
                let boundRequester = NIOLoopBound(requester, eventLoop: channel.eventLoop)
                registered.futureResult.whenSuccess { frame in
                    // The handshake accepted this frame, so it holds a valid hello.
                    guard let hello = try? HelloMessage(from: frame),
                        case .enqueued = registrations.yield(RegisteredNode(hello: hello, connection: FrameConnection(channel: channel, handler: boundRequester.value)))
                    else {
                        // Nobody will ever use this node: the listener has closed.
                        channel.close(promise: nil)
                        return
                    }
                }
                try channel.pipeline.syncOperations.addFraming(limits: configuration.limits, then: handshake)
            }
        } catch {
            registrations.finish()
            throw error
        }
        listening.closeFuture.whenComplete { _ in registrations.finish() }
        return NodeListener(channel: listening, nodes: nodes)
    }

    /// Stops accepting nodes; registered connections stay open.
    public func close() async {
        try? await self.channel.close()
    }
}
