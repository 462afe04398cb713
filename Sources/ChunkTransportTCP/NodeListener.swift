public import ChunkTransport
import ChunkWire
public import NIOCore
public import NIOPosix

/// The proxy's node port. Serverless functions cannot accept connections, so cache nodes
/// dial out to this listener and introduce themselves with a hello frame; a node whose
/// token matches is handed to the listener's registration handler and then welcomed,
/// anything else gets an error frame and is disconnected without disturbing other
/// connections.
public final class NodeListener: Sendable {
    private let channel: any Channel

    private init(channel: any Channel) {
        self.channel = channel
    }

    /// The port the listener is bound to (useful after binding port 0).
    public var port: Int {
        self.channel.localAddress?.port ?? 0
    }

    /// Starts listening on `host`:`port` for nodes presenting `token`.
    ///
    /// `onRegistration` is called once per accepted node, on its connection's event loop
    /// (so it must be quick), before the node's welcome is written: once a node's
    /// ``NodeSession/connect(host:port:hello:responder:configuration:group:)`` returns,
    /// the handler has run. Requests sent on the node's connection from the handler leave
    /// after the welcome.
    ///
    /// - Throws: `TransportError` with code `connectFailed` if the port cannot be bound.
    public static func bind(
        host: String = "127.0.0.1",
        port: Int = 0,
        token: [UInt8],
        configuration: TransportConfiguration = .default,
        group: any EventLoopGroup = NIOSingletons.posixEventLoopGroup,
        onRegistration: @escaping @Sendable (RegisteredNode) -> Void
    ) async throws -> NodeListener {
        let listening = try await listen(host: host, port: port, group: group) { channel in
            let requester = RequesterHandler(configuration: configuration)
            let registered = channel.eventLoop.makePromise(of: Frame.self)
            let handshake = HandshakeHandler(
                opening: nil,
                timeout: configuration.handshakeTimeout,
                successor: requester,
                completion: registered,
                examine: HandshakeHandler.checkingHello(token: token)
            )
            let boundRequester = NIOLoopBound(requester, eventLoop: channel.eventLoop)
            registered.futureResult.whenSuccess { frame in
                // The handshake accepted this frame, so it holds a valid hello.
                guard let hello = try? HelloMessage(from: frame) else { return }
                onRegistration(RegisteredNode(hello: hello, connection: FrameConnection(channel: channel, handler: boundRequester.value, limits: configuration.limits)))
            }
            try channel.pipeline.syncOperations.addFraming(configuration, then: handshake)
        }
        return NodeListener(channel: listening)
    }

    /// Stops accepting nodes; registered connections stay open.
    public func close() async {
        try? await self.channel.close()
    }
}

/// Compares secrets in time that depends only on their lengths.
func constantTimeEquals(_ a: [UInt8], _ b: [UInt8]) -> Bool {
    guard a.count == b.count else {
        return false
    }
    var difference: UInt8 = 0
    for index in a.indices {
        difference |= a[index] ^ b[index]
    }
    return difference == 0
}
