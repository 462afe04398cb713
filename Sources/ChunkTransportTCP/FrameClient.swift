public import ChunkTransport
public import NIOCore
public import NIOPosix

/// Opens requester connections to a ``FrameServer``: how a client reaches a proxy.
public enum FrameClient {
    /// Connects to `host`:`port` and returns the connection, a `FrameTransport`.
    public static func connect(
        host: String,
        port: Int,
        configuration: TransportConfiguration = .default,
        group: any EventLoopGroup = NIOSingletons.posixEventLoopGroup
    ) async throws -> FrameConnection {
        try await dial(host: host, port: port, configuration: configuration, group: group) { channel in
            let requester = RequesterHandler(configuration: configuration)
            try channel.pipeline.syncOperations.addFraming(configuration, then: requester)
            return FrameConnection(channel: channel, handler: requester, limits: configuration.limits)
        }
    }
}
