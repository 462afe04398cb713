import ChunkTransport
import NIOCore
import NIOPosix
import Synchronization

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

/// Connects to `host`:`port`, with `setUp` installing the framing and the connection's
/// logic as the channel is initialised, on its event loop, before it connects: a node's
/// hello leaves the moment the connection is up, however busy the caller's threads are
/// (when set-up waited for the connecting task to resume, a starved task let the peer's
/// handshake deadline pass first).
func dial<Result: Sendable>(
    host: String,
    port: Int,
    configuration: TransportConfiguration,
    group: any EventLoopGroup,
    setUp: @escaping @Sendable (any Channel) throws -> Result
) async throws -> Result {
    let prepared = Mutex<Result?>(nil)
    let bootstrap = ClientBootstrap(group: group)
        .channelOption(.socketOption(.tcp_nodelay), value: 1)
        .connectTimeout(configuration.handshakeTimeout)
        .channelInitializer { channel in
            channel.eventLoop.makeCompletedFuture {
                let result = try setUp(channel)
                prepared.withLock { $0 = result }
            }
        }
    do {
        _ = try await bootstrap.connect(host: host, port: port).get()
    } catch {
        throw TransportError(.connectFailed, "cannot reach \(host):\(port)", cause: error)
    }
    guard let result = prepared.withLock({ $0 }) else {
        throw TransportError(.connectFailed, "the connection to \(host):\(port) was not set up")
    }
    return result
}
