public import ChunkTransport
import ChunkWire
public import NIOCore
public import NIOPosix

/// Opens requester connections to a ``FrameServer``: how a client reaches a proxy.
public enum FrameClient {
    /// Connects to `host`:`port` and returns the connection, a `FrameTransport`. With a
    /// `token`, the connection opens with a hello carrying it and is returned once the
    /// server welcomes it.
    ///
    /// - Throws: `TransportError` with code `connectFailed` if the server cannot be
    ///   reached, `rejected` if it refuses the token, `timedOut` if it does not answer.
    public static func connect(
        host: String,
        port: Int,
        token: [UInt8]? = nil,
        configuration: TransportConfiguration = .default,
        group: any EventLoopGroup = NIOSingletons.posixEventLoopGroup
    ) async throws -> FrameConnection {
        let (connection, welcomed) = try await dial(host: host, port: port, configuration: configuration, group: group) { channel in
            let requester = RequesterHandler(configuration: configuration)
            let connection = FrameConnection(channel: channel, handler: requester, limits: configuration.limits)
            guard let token else {
                try channel.pipeline.syncOperations.addFraming(configuration, then: requester)
                return (connection, EventLoopFuture<Frame>?.none)
            }
            let welcomed = channel.eventLoop.makePromise(of: Frame.self)
            let hello = HelloMessage(functionID: "client", instanceID: 0, memoryCapacity: 0, token: token)
            let handshake = HandshakeHandler(
                opening: hello.frame(),
                timeout: configuration.handshakeTimeout,
                successor: requester,
                completion: welcomed,
                examine: HandshakeHandler.expectingWelcome
            )
            do {
                try channel.pipeline.syncOperations.addFraming(configuration, then: handshake)
            } catch {
                welcomed.fail(error)
                throw error
            }
            return (connection, welcomed.futureResult)
        }
        _ = try await welcomed?.get()
        return connection
    }
}
