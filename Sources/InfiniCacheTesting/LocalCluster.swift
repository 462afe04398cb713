import ChunkTransport
import ChunkTransportInProcess
import ChunkTransportTCP
public import ChunkWire
public import InfiniCacheClient
public import InfiniCacheNode
public import InfiniCacheProxy
import InfiniCacheStatistics
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

    /// How the cluster reaches node `i`: in process, its transport; over TCP, the task
    /// serving its session.
    private struct NodeLink: Sendable {
        var transport: InProcessTransport?
        var session: Task<Void, any Error>?
    }

    private init(proxy: InfiniCacheProxy, client: InfiniCacheClient, nodes: [CacheNode], server: ProxyServer?, links: [NodeLink]) {
        self.proxy = proxy
        self.client = client
        self.nodes = nodes
        self.server = server
        self.links = links
    }

    /// Starts a cluster of `nodeCount` nodes holding `nodeCapacity` bytes each, which
    /// registered as `node-0` onwards. `respondDelays[i]`, when given, makes node `i` a
    /// straggler (a ``DelayedResponder`` around it) for requests of `delayedOpcodes`
    /// (all when nil). The proxy reads expiry times on `wallClock` (milliseconds since
    /// the Unix epoch), and keeps objects of at most `smallObjectLimit` bytes in a tier of
    /// `smallObjectTierBudget` bytes.
    public static func start(
        wiring: Wiring,
        nodeCount: Int = 12,
        nodeCapacity: Int = 1 << 30,
        client configuration: ClientConfiguration = ClientConfiguration(),
        respondDelays: [Int: Duration] = [:],
        delayedOpcodes: Set<Opcode>? = nil,
        wallClock: @escaping @Sendable () -> Int64 = ObjectExpiry.systemClockMilliseconds,
        smallObjectTierBudget: Int = InfiniCacheProxy.defaultSmallObjectTierBudget,
        smallObjectLimit: Int = InfiniCacheProxy.defaultSmallObjectLimit
    ) async throws -> LocalCluster {
        let logger = Logger(label: "infinicache.cluster")
        let proxy = InfiniCacheProxy(wallClock: wallClock, smallObjectTierBudget: smallObjectTierBudget, smallObjectLimit: smallObjectLimit, logger: logger)
        let nodes = (0..<nodeCount).map { _ in CacheNode(capacity: nodeCapacity, logger: logger) }
        func responder(_ index: Int) -> any FrameResponder {
            respondDelays[index].map { DelayedResponder(base: nodes[index], delay: $0, opcodes: delayedOpcodes) } ?? nodes[index]
        }
        switch wiring {
        case .inProcess:
            var links: [NodeLink] = []
            for index in nodes.indices {
                let transport = InProcessTransport(to: responder(index))
                proxy.addNode(functionID: "node-\(index)", capacity: nodeCapacity, transport: transport)
                links.append(NodeLink(transport: transport))
            }
            let client = try InfiniCacheClient(proxies: [[InProcessTransport(to: proxy, verifiesPayloadChecksums: false)]], configuration: configuration)
            return LocalCluster(proxy: proxy, client: client, nodes: nodes, server: nil, links: links)
        case .tcp:
            let token = Array("local-cluster".utf8)
            let server = try await ProxyServer.start(proxy: proxy, token: token)
            var links: [NodeLink] = []
            for index in nodes.indices {
                let hello = HelloMessage(functionID: "node-\(index)", instanceID: UInt64(index), memoryCapacity: UInt64(nodeCapacity), token: token)
                // The proxy registers a node before welcoming it: once the session has
                // registered, the proxy has the node.
                let (registered, continuation) = AsyncStream<Void>.makeStream()
                let service = NodeService(responder: responder(index), proxyHost: "127.0.0.1", proxyPort: server.nodePort, hello: hello, logger: logger) {
                    continuation.yield()
                    continuation.finish()
                }
                let session = Task {
                    defer { continuation.finish() }
                    try await service.run()
                }
                var isRegistered = false
                for await _ in registered {
                    isRegistered = true
                }
                guard isRegistered else {
                    try await session.value
                    throw TransportError(.connectionClosed, "node \(index) was closed before it registered")
                }
                links.append(NodeLink(session: session))
            }
            let client = try await InfiniCacheClient.connect(to: [(host: "127.0.0.1", port: server.clientPort)], configuration: configuration)
            return LocalCluster(proxy: proxy, client: client, nodes: nodes, server: server, links: links)
        }
    }

    /// Makes node `index` vanish as a reclaimed function does: the proxy forgets it, its
    /// connection drops and its memory is gone.
    public func kill(node index: Int) async {
        let function = "node-\(index)"
        if let id = self.proxy.statistics().nodes.first(where: { $0.functionID == function }) {
            self.proxy.removeNode(NodeID(value: id.id))
        }
        let link = self.links[index]
        await link.transport?.close()
        link.session?.cancel()
        self.nodes[index].store.removeAll()
    }

    /// Requests the in-process transports to the nodes have not finished: 0 when nothing
    /// leaks.
    public var outstandingRequests: Int {
        self.links.reduce(0) { $0 + ($1.transport?.outstandingRequests ?? 0) }
    }

    /// Stops everything.
    public func stop() async {
        await self.client.close()
        for link in self.links {
            link.session?.cancel()
            await link.transport?.close()
        }
        await self.server?.close()
    }
}
