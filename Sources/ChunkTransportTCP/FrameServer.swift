public import ChunkTransport
import ChunkWire
public import NIOCore
public import NIOPosix

/// A listener that serves every connection's requests with one `FrameResponder`: the
/// proxy's client port. Clients connect with ``FrameClient``.
public final class FrameServer: Sendable {
    private let channel: any Channel

    private init(channel: any Channel) {
        self.channel = channel
    }

    /// The port the server is bound to (useful after binding port 0).
    public var port: Int {
        self.channel.localAddress?.port ?? 0
    }

    /// Starts serving `responder` on `host`:`port`. With a `token`, a connection must open
    /// with a hello carrying it (``FrameClient/connect(host:port:token:configuration:group:)``
    /// sends one); any other first frame is answered with an `unauthorized` error and the
    /// connection is closed, before any request is served.
    ///
    /// - Throws: `TransportError` with code `connectFailed` if the port cannot be bound.
    public static func bind(
        host: String = "127.0.0.1",
        port: Int = 0,
        responder: any FrameResponder,
        token: [UInt8]? = nil,
        configuration: TransportConfiguration = .default,
        group: any EventLoopGroup = NIOSingletons.posixEventLoopGroup
    ) async throws -> FrameServer {
        let channel = try await listen(host: host, port: port, group: group) { channel in
            let serving = ResponderHandler(responder: responder, configuration: configuration)
            guard let token else {
                try channel.pipeline.syncOperations.addFraming(configuration, then: serving)
                return
            }
            let handshake = HandshakeHandler(
                opening: nil,
                timeout: configuration.handshakeTimeout,
                successor: serving,
                completion: channel.eventLoop.makePromise(of: Frame.self),
                examine: HandshakeHandler.checkingHello(token: token)
            )
            try channel.pipeline.syncOperations.addFraming(configuration, then: handshake)
        }
        return FrameServer(channel: channel)
    }

    /// Stops accepting connections; open ones are served until they close.
    public func close() async {
        try? await self.channel.close()
    }
}
