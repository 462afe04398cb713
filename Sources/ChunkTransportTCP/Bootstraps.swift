import ChunkTransport
import NIOCore
import NIOPosix

/// Binds a listener whose accepted connections `setUp` prepares on their event loop (it
/// installs the framing and the connection's logic). The socket options are the ones every
/// listener of this module uses.
func listen(
    host: String,
    port: Int,
    group: any EventLoopGroup,
    setUp: @escaping @Sendable (any Channel) throws -> Void
) async throws -> any Channel {
    let bootstrap = ServerBootstrap(group: group)
        .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
        .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
        .childChannelInitializer { channel in
            channel.eventLoop.makeCompletedFuture { try setUp(channel) }
        }
    do {
        return try await bootstrap.bind(host: host, port: port).get()
    } catch {
        throw TransportError(.connectFailed, "cannot listen on \(host):\(port)", cause: error)
    }
}

/// Connects to `host`:`port` and runs `setUp` on the new channel's event loop to install
/// the framing and the connection's logic; if that fails the channel is closed.
func dial<Result: Sendable>(
    host: String,
    port: Int,
    configuration: TransportConfiguration,
    group: any EventLoopGroup,
    setUp: @escaping @Sendable (any Channel) throws -> Result
) async throws -> Result {
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
        return try await channel.eventLoop.submit { try setUp(channel) }.get()
    } catch {
        try? await channel.close()
        throw TransportError(.connectFailed, "cannot set up the connection to \(host):\(port)", cause: error)
    }
}
