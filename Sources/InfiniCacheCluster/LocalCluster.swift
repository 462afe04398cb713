import ChunkTransport
import ChunkWire
public import InfiniCacheClient
public import InfiniCacheNode
public import InfiniCacheProxy
import Logging

/// A whole cache in one process — a proxy, its cache nodes and a client — for tests, the
/// embedded demo and the benchmark. Nodes are reached in process or over loopback TCP
/// (the nodes dial the proxy, as real functions do); either way the code is the one the
/// separate executables run.
public final class LocalCluster: Sendable {
    /// How the parts talk to each other.
    public enum Wiring: Sendable {
        /// Frames passed by reference, no sockets.
        case inProcess
        /// Loopback TCP: nodes dial the proxy's node port, the client its client port.
        case tcp
    }

    /// The proxy.
    public let proxy: InfiniCacheProxy
    /// A client connected to the proxy.
    public let client: InfiniCacheClient
    /// The nodes, in registration order.
    public let nodes: [CacheNode]
    private let server: ProxyServer?
    private let links: [NodeLink]

    private struct NodeLink: Sendable {
        var id: NodeID?
        var transport: InProcessTransport?
        var task: Task<Void, any Error>?
    }

    private init(proxy: InfiniCacheProxy, client: InfiniCacheClient, nodes: [CacheNode], server: ProxyServer?, links: [NodeLink]) {
        self.proxy = proxy
        self.client = client
        self.nodes = nodes
        self.server = server
        self.links = links
    }

    /// Starts a cluster of `nodeCount` nodes holding `nodeCapacity` bytes each.
    /// `respondDelays[i]`, when given, delays every response of node `i` (a straggler).
    public static func start(
        wiring: Wiring,
        nodeCount: Int = 12,
        nodeCapacity: Int = 1 << 30,
        client configuration: ClientConfiguration = ClientConfiguration(),
        respondDelays: [Int: Duration] = [:]
    ) async throws -> LocalCluster {
        let logger = Logger(label: "infinicache.cluster")
        let proxy = InfiniCacheProxy(logger: logger)
        let nodes = (0..<nodeCount).map { _ in CacheNode(capacity: nodeCapacity, logger: logger) }
        func responder(_ index: Int) -> any FrameResponder {
            respondDelays[index].map { DelayedResponder(base: nodes[index], delay: $0) } ?? nodes[index]
        }
        switch wiring {
        case .inProcess:
            var links: [NodeLink] = []
            for index in nodes.indices {
                let transport = InProcessTransport(to: responder(index))
                let id = proxy.addNode(functionID: "node-\(index)", capacity: nodeCapacity, transport: transport)
                links.append(NodeLink(id: id, transport: transport))
            }
            let client = try InfiniCacheClient(proxies: [[InProcessTransport(to: proxy, verifiesPayloadChecksums: false)]], configuration: configuration)
            return LocalCluster(proxy: proxy, client: client, nodes: nodes, server: nil, links: links)
        case .tcp:
            let token = Array("local-cluster".utf8)
            let server = try await ProxyServer.start(proxy: proxy, token: token)
            var links: [NodeLink] = []
            for index in nodes.indices {
                let hello = HelloMessage(functionID: "node-\(index)", instanceID: UInt64(index), memoryCapacity: UInt64(nodeCapacity), token: token)
                let session = try await NodeSession.connect(host: "127.0.0.1", port: server.nodePort, hello: hello, responder: responder(index))
                let task = Task<Void, any Error> {
                    await withTaskCancellationHandler {
                        await session.waitUntilClosed()
                    } onCancel: {
                        Task { await session.close() }
                    }
                }
                links.append(NodeLink(task: task))
            }
            while proxy.statistics().nodes.count < nodeCount {
                try await Task.sleep(for: .milliseconds(5))
            }
            let client = try await InfiniCacheClient.connect(to: [(host: "127.0.0.1", port: server.clientPort)], configuration: configuration)
            return LocalCluster(proxy: proxy, client: client, nodes: nodes, server: server, links: links)
        }
    }

    /// Makes node `index` vanish as a reclaimed function does: its connection drops and
    /// its memory is gone.
    public func kill(node index: Int) async {
        let link = self.links[index]
        if let transport = link.transport, let id = link.id {
            await transport.close()
            self.proxy.removeNode(id)
        }
        if let task = link.task {
            task.cancel()
            let function = "node-\(index)"
            while self.proxy.statistics().nodes.contains(where: { $0.functionID == function }) {
                try? await Task.sleep(for: .milliseconds(5))
            }
        }
        self.nodes[index].store.removeAll()
    }

    /// Requests the in-process transports have not finished: 0 when nothing leaks.
    public var outstandingRequests: Int {
        self.links.reduce(0) { $0 + ($1.transport?.outstandingRequests ?? 0) }
    }

    /// Stops everything.
    public func stop() async {
        await self.client.close()
        for link in self.links {
            link.task?.cancel()
            await link.transport?.close()
        }
        await self.server?.close()
    }
}
