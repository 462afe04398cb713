public import ChunkTransport
public import ChunkWire
public import NIOCore
public import NIOPosix

/// A cache node's connection to its proxy, from the node's side: the node dialled out,
/// said hello, was welcomed, and now serves the proxy's requests with its responder.
public final class NodeSession: Sendable {
    private let channel: any Channel

    fileprivate init(channel: any Channel) {
        self.channel = channel
    }

    /// Dials the proxy's node port at `host`:`port`, registers with `hello`, and serves
    /// every request that arrives with `responder` until the connection closes.
    ///
    /// - Throws: `TransportError` with code `connectFailed` if the proxy cannot be
    ///   reached, `rejected` if it refuses the hello, `timedOut` if it does not answer.
    public static func connect(
        host: String,
        port: Int,
        hello: HelloMessage,
        responder: any FrameResponder,
        configuration: TransportConfiguration = .default,
        group: any EventLoopGroup = NIOSingletons.posixEventLoopGroup
    ) async throws -> NodeSession {
        // A node answers only the proxy it dialled and that accepted its token, with slices
        // of chunks it already holds: queuing its answers costs it no memory, and dropping
        // the proxy would lose every chunk it holds. Output limits are the proxy's to keep.
        let serving = {
            var serving = configuration
            serving.outputLimit = nil
            serving.outputStallTimeout = nil
            return serving
        }()
        let (channel, welcomed) = try await dial(host: host, port: port, configuration: configuration, group: group) { channel in
            let welcomed = channel.eventLoop.makePromise(of: Frame.self)
            let handshake = HandshakeHandler(
                opening: hello.frame(),
                timeout: configuration.handshakeTimeout,
                successor: ResponderHandler(responder: responder, configuration: serving),
                completion: welcomed,
                examine: HandshakeHandler.expectingWelcome
            )
            do {
                try channel.pipeline.syncOperations.addFraming(configuration, then: handshake)
            } catch {
                welcomed.fail(error)
                throw error
            }
            return (channel, welcomed.futureResult)
        }
        _ = try await welcomed.get()
        return NodeSession(channel: channel)
    }

    /// Returns when the connection has closed (the proxy went away, or ``close()``).
    public func waitUntilClosed() async {
        try? await self.channel.closeFuture.get()
    }

    /// Disconnects from the proxy; requests being served are cancelled.
    public func close() async {
        try? await self.channel.close()
    }
}
