import ArgumentParser
import ChunkTransport
import ChunkWire
import Foundation
import InfiniCacheCommandSupport
import InfiniCacheNode
import InfiniCacheTesting
import Logging
import ServiceLifecycle
import UnixSignals

/// `infinicache-node`: a cache node as a process. Parses its options, builds its session
/// with the proxy (``buildService(logger:)``, which tests call too), and runs it in a
/// service group until the connection closes or SIGTERM / SIGINT asks it to stop.
@main
struct NodeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "infinicache-node",
        abstract: "Runs an InfiniCache cache node that dials out to a proxy and holds chunks in memory.",
        discussion: """
            Once the proxy has registered it, it prints one line to stdout, \
            "registered function=F instance=N", which scripts can wait for.
            """
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

    func validate() throws {
        guard self.capacityMib > 0, self.respondDelayMs >= 0 else {
            throw ValidationError("the capacity must be positive and the response delay not negative")
        }
    }

    func run() async throws {
        let logger = try self.service.bootstrapLogging(label: "infinicache.node")
        let group = ServiceGroup(services: [try self.buildService(logger: logger)], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
        try await group.run()
    }

    /// The node's session with its proxy: a ``CacheNode`` of the given capacity — behind
    /// a straggler's delay with `--respond-delay-ms` — that prints its registered line.
    ///
    /// - Throws: `ValidationError` without a token.
    func buildService(logger: Logger) throws -> NodeService {
        let node = CacheNode(capacity: self.capacityMib << 20, logger: logger)
        let responder: any FrameResponder = self.respondDelayMs > 0 ? DelayedResponder(base: node, delay: .milliseconds(self.respondDelayMs)) : node
        let hello = HelloMessage(functionID: self.functionId, instanceID: self.instanceId, memoryCapacity: UInt64(self.capacityMib) << 20, token: try self.service.resolvedToken())
        let line = "registered function=\(self.functionId) instance=\(self.instanceId)\n"
        return NodeService(responder: responder, proxyHost: self.proxyHost, proxyPort: self.proxyPort, hello: hello, logger: logger) {
            FileHandle.standardOutput.write(Data(line.utf8))
        }
    }
}
