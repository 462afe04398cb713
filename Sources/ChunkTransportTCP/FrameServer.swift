public import ChunkTransport
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

    /// Starts serving `responder` on `host`:`port`.
    public static func bind(
        host: String = "127.0.0.1",
        port: Int = 0,
        responder: any FrameResponder,
        configuration: TransportConfiguration = .default,
        group: any EventLoopGroup = NIOSingletons.posixEventLoopGroup
    ) async throws -> FrameServer {
        let channel = try await listen(host: host, port: port, group: group) { channel in
            try channel.pipeline.syncOperations.addFraming(
                configuration,
                then: ResponderHandler(responder: responder, configuration: configuration)
            )
        }
        return FrameServer(channel: channel)
    }

    /// Stops accepting connections; open ones are served until they close.
    public func close() async {
        try? await self.channel.close()
    }
}
