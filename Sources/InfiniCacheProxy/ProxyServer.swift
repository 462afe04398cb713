public import ChunkTransport
import ChunkTransportTCP
import ChunkWire
import NIOCore
public import ServiceLifecycle

/// The proxy on the network: a client port and a node port where cache nodes dial in.
/// Nodes are registered with the proxy as they are welcomed, and removed when their
/// connection closes. As a `Service`, it serves until a graceful shutdown, then closes
/// both ports.
public final class ProxyServer: Service, Sendable {
    /// The proxy behind both ports.
    public let proxy: InfiniCacheProxy
    private let clientServer: FrameServer
    private let nodeListener: NodeListener

    /// The client port (useful after binding port 0).
    public var clientPort: Int { self.clientServer.port }
    /// The node port (useful after binding port 0).
    public var nodePort: Int { self.nodeListener.port }

    private init(proxy: InfiniCacheProxy, clientServer: FrameServer, nodeListener: NodeListener) {
        self.proxy = proxy
        self.clientServer = clientServer
        self.nodeListener = nodeListener
    }

    /// Binds both ports on `host`. Clients are served by `clientResponder` (the proxy
    /// itself by default; a serverless deployment puts its lifecycle's responder in front
    /// of it); with a `clientToken`, a client must open its connection with a hello that
    /// carries it, or it is refused and disconnected. Nodes must present `token`. The
    /// proxy relays payloads without verifying them (the node and the client do), unless
    /// `clientConfiguration` says otherwise; replies from nodes are verified so a corrupt
    /// chunk is never forwarded.
    ///
    /// - Throws: `TransportError` with code `connectFailed` if a port cannot be bound.
    public static func start(
        proxy: InfiniCacheProxy,
        clientResponder: (any FrameResponder)? = nil,
        host: String = "127.0.0.1",
        clientPort: Int = 0,
        nodePort: Int = 0,
        token: [UInt8],
        clientToken: [UInt8]? = nil,
        clientConfiguration: TransportConfiguration = TransportConfiguration(verifiesPayloadChecksums: false),
        nodeConfiguration: TransportConfiguration = .default
    ) async throws -> ProxyServer {
        let clientServer = try await FrameServer.bind(host: host, port: clientPort, responder: clientResponder ?? proxy, token: clientToken, configuration: clientConfiguration)
        do {
            let nodeListener = try await NodeListener.bind(host: host, port: nodePort, token: token, configuration: nodeConfiguration) { node in
                let id = proxy.addNode(functionID: node.hello.functionID, capacity: Int(clamping: min(node.hello.memoryCapacity, 1 << 50)), transport: node.connection)
                node.connection.closeFuture.whenComplete { _ in proxy.removeNode(id) }
            }
            return ProxyServer(proxy: proxy, clientServer: clientServer, nodeListener: nodeListener)
        } catch {
            await clientServer.close()
            throw error
        }
    }

    /// Serves until a graceful shutdown (or cancellation), sweeping expired objects
    /// every 100 ms (at most 1,000 a time, so a sweep never holds the proxy's lock
    /// long), then closes both ports.
    public func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                try? await Task.sleep(for: .milliseconds(100))
                self.proxy.sweepExpiredObjects()
            }
        }
        await self.close()
    }

    /// Stops accepting clients and nodes; open connections stay open.
    public func close() async {
        await self.clientServer.close()
        await self.nodeListener.close()
    }
}
