public import NIOCore
public import NIOPosix

/// A listener that serves every connection's requests with one ``FrameResponder``: the
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

    /// Starts serving `responder` on `host`:`port`.
    public static func bind(
        host: String = "127.0.0.1",
        port: Int = 0,
        responder: any FrameResponder,
        configuration: TransportConfiguration = .default,
        group: any EventLoopGroup = NIOSingletons.posixEventLoopGroup
    ) async throws -> FrameServer {
        let bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addFraming(
                        limits: configuration.limits,
                        then: ResponderHandler(responder: responder, configuration: configuration)
                    )
                }
            }
        do {
            return FrameServer(channel: try await bootstrap.bind(host: host, port: port).get())
        } catch {
            throw TransportError(.connectFailed, "cannot listen on \(host):\(port)", cause: error)
        }
    }

    /// Stops accepting connections; open ones are served until they close.
    public func close() async {
        try? await self.channel.close()
    }
}

/// Opens requester connections to a ``FrameServer``: how a client reaches a proxy.
public enum FrameClient {
    /// Connects to `host`:`port` and returns the connection as a ``NodeTransport``.
    public static func connect(
        host: String,
        port: Int,
        configuration: TransportConfiguration = .default,
        group: any EventLoopGroup = NIOSingletons.posixEventLoopGroup
    ) async throws -> FrameConnection {
        let bootstrap = ClientBootstrap(group: group)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .connectTimeout(configuration.handshakeTimeout)
        let channel: any Channel
        do {
            channel = try await bootstrap.connect(host: host, port: port).get()
        } catch {
            throw TransportError(.connectFailed, "cannot reach \(host):\(port)", cause: error)
        }
        do {
            return try await channel.eventLoop.submit {
                let requester = RequesterHandler(configuration: configuration)
                try channel.pipeline.syncOperations.addFraming(limits: configuration.limits, then: requester)
                return FrameConnection(channel: channel, handler: requester)
            }.get()
        } catch {
            try? await channel.close()
            throw TransportError(.connectFailed, "cannot set up the connection to \(host):\(port)", cause: error)
        }
    }
}
