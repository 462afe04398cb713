import ArgumentParser
import Foundation
import InfiniCacheCommandSupport
import InfiniCacheNode
import Logging
import ServiceLifecycle
import UnixSignals

/// `infinicache-node`: a cache node as a process. It dials the proxy's node port (a
/// serverless function cannot accept connections), registers, and serves until the
/// connection closes or it is asked to stop.
@main
struct NodeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "infinicache-node",
        abstract: "Runs an InfiniCache cache node that dials out to a proxy and holds chunks in memory."
    )

    @Option(help: "Host of the proxy's node port.")
    var proxyHost = "127.0.0.1"

    @Option(help: "The proxy's node port.")
    var proxyPort = 7071

    @Option(help: "Memory for chunks, in MiB; a put beyond it is refused.")
    var capacityMib = 1024

    @Option(help: "Name of the function this node is an instance of.")
    var functionId = "node-0"

    @Option(help: "Distinguishes concurrent instances of one function.")
    var instanceId: UInt64 = 0

    @Option(help: "Delay every response by this many milliseconds: a straggler, for tests and benchmarks.")
    var respondDelayMs = 0

    @OptionGroup var service: ServiceOptions

    func run() async throws {
        let logger = try self.service.bootstrapLogging(label: "infinicache.node")
        let node = CacheNode(capacity: self.capacityMib << 20, logger: logger)
        let service = NodeService(
            node: node,
            proxyHost: self.proxyHost,
            proxyPort: self.proxyPort,
            functionID: self.functionId,
            instanceID: self.instanceId,
            token: try self.service.resolvedToken(),
            respondDelay: .milliseconds(self.respondDelayMs)
        )
        let group = ServiceGroup(services: [service], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
        try await group.run()
    }
}

/// Serves the proxy until the connection closes or a graceful shutdown is requested.
struct NodeService: Service {
    let node: CacheNode
    let proxyHost: String
    let proxyPort: Int
    let functionID: String
    let instanceID: UInt64
    let token: [UInt8]
    let respondDelay: Duration

    func run() async throws {
        try await cancelWhenGracefulShutdown {
            try await self.node.serve(
                proxyHost: self.proxyHost,
                proxyPort: self.proxyPort,
                functionID: self.functionID,
                instanceID: self.instanceID,
                token: self.token,
                respondDelay: self.respondDelay
            )
        }
    }
}
