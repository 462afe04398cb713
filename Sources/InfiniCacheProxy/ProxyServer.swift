public import ChunkTransport
import ChunkWire
import NIOCore

/// The proxy on the network: a client port served by ``InfiniCacheProxy`` and a node port
/// where cache nodes dial in. Nodes whose connection closes are removed.
public final class ProxyServer: Sendable {
    /// The proxy behind both ports.
    public let proxy: InfiniCacheProxy
    private let clientServer: FrameServer
    private let nodeListener: NodeListener
    private let registrations: Task<Void, Never>

    /// The client port (useful after binding port 0).
    public var clientPort: Int { self.clientServer.port }
    /// The node port (useful after binding port 0).
    public var nodePort: Int { self.nodeListener.port }

    private init(proxy: InfiniCacheProxy, clientServer: FrameServer, nodeListener: NodeListener) {
        self.proxy = proxy
        self.clientServer = clientServer
        self.nodeListener = nodeListener
        self.registrations = Task {
            for await node in nodeListener.nodes {
                let id = proxy.addNode(functionID: node.hello.functionID, capacity: Int(clamping: min(node.hello.memoryCapacity, 1 << 50)), transport: node.connection)
                node.connection.closeFuture.whenComplete { _ in proxy.removeNode(id) }
            }
        }
    }

    /// Binds both ports on `host`. The proxy relays payloads without verifying them (the
    /// node and the client do), unless `clientConfiguration` says otherwise; replies from
    /// nodes are verified so a corrupt chunk is never forwarded.
    public static func start(
        proxy: InfiniCacheProxy,
        host: String = "127.0.0.1",
        clientPort: Int = 0,
        nodePort: Int = 0,
        token: [UInt8],
        clientConfiguration: TransportConfiguration = TransportConfiguration(verifiesPayloadChecksums: false),
        nodeConfiguration: TransportConfiguration = .default
    ) async throws -> ProxyServer {
        let clientServer = try await FrameServer.bind(host: host, port: clientPort, responder: proxy, configuration: clientConfiguration)
        do {
            let nodeListener = try await NodeListener.bind(host: host, port: nodePort, token: token, configuration: nodeConfiguration)
            return ProxyServer(proxy: proxy, clientServer: clientServer, nodeListener: nodeListener)
        } catch {
            await clientServer.close()
            throw error
        }
    }

    /// Stops accepting clients and nodes.
    public func close() async {
        await self.clientServer.close()
        await self.nodeListener.close()
        self.registrations.cancel()
    }
}
