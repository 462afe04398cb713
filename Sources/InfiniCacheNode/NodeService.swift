public import ChunkTransport
import ChunkTransportTCP
public import ChunkWire
public import Logging
public import ServiceLifecycle

/// A cache node's session with its proxy, as a `Service`: it dials the proxy's node port
/// (a serverless function cannot accept connections), registers with a hello, and serves
/// the proxy's requests until the connection closes or a graceful shutdown is requested.
public struct NodeService: Service {
    private let responder: any FrameResponder
    private let proxyHost: String
    private let proxyPort: Int
    private let hello: HelloMessage
    private let configuration: TransportConfiguration
    private let onRegistered: @Sendable () -> Void
    private let logger: Logger

    /// A session in which `responder` (usually a ``CacheNode``, which the node's
    /// executable may wrap) answers the proxy at `proxyHost`:`proxyPort`, after
    /// registering with `hello`. `onRegistered` runs once the proxy has welcomed it.
    public init(
        responder: any FrameResponder,
        proxyHost: String,
        proxyPort: Int,
        hello: HelloMessage,
        configuration: TransportConfiguration = .default,
        logger: Logger = Logger(label: "infinicache.node"),
        onRegistered: @escaping @Sendable () -> Void = {}
    ) {
        self.responder = responder
        self.proxyHost = proxyHost
        self.proxyPort = proxyPort
        self.hello = hello
        self.configuration = configuration
        self.logger = logger
        self.onRegistered = onRegistered
    }

    /// Dials, registers and serves; returns when the proxy closes the connection, or
    /// closes it on a graceful shutdown or cancellation.
    ///
    /// - Throws: `TransportError` if the proxy cannot be reached or refuses the hello.
    public func run() async throws {
        let session = try await NodeSession.connect(
            host: self.proxyHost, port: self.proxyPort, hello: self.hello, responder: self.responder, configuration: self.configuration
        )
        self.logger.info("registered with the proxy", metadata: ["proxy": "\(self.proxyHost):\(self.proxyPort)", "function": "\(self.hello.functionID)"])
        self.onRegistered()
        await withGracefulShutdownHandler {
            await withTaskCancellationHandler {
                await session.waitUntilClosed()
            } onCancel: {
                Task { await session.close() }
            }
        } onGracefulShutdown: {
            Task { await session.close() }
        }
    }
}
