import ArgumentParser
import Foundation
import InfiniCacheCommandSupport
import InfiniCacheProxy
import Logging
import ServiceLifecycle
import UnixSignals

/// `infinicache-proxy`: the proxy as a process. Builds the server, then runs it in a
/// service group that shuts it down gracefully on SIGTERM or SIGINT.
@main
struct ProxyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "infinicache-proxy",
        abstract: "Runs an InfiniCache proxy: clients connect to its client port, cache nodes dial its node port.",
        discussion: """
            Once both ports are bound it prints one line to stdout, \
            "ready client-port=N node-port=M", which scripts can wait for (useful with port 0).
            """
    )

    @Option(help: "Address to bind both ports to.")
    var host = "127.0.0.1"

    @Option(help: "Port clients connect to (0 picks a free one).")
    var clientPort = 7070

    @Option(help: "Port cache nodes dial in to (0 picks a free one).")
    var nodePort = 7071

    @Option(help: "Seconds an upload may take before its chunks are dropped.")
    var uploadTimeout = 120

    @OptionGroup var service: ServiceOptions

    @OptionGroup(title: "Serverless functions") var functions: FunctionOptions

    func run() async throws {
        let logger = try self.service.bootstrapLogging(label: "infinicache.proxy")
        let token = try self.service.resolvedToken()
        let proxy = InfiniCacheProxy(uploadTimeout: .seconds(self.uploadTimeout), logger: logger)
        let server = try await ProxyServer.start(proxy: proxy, host: self.host, clientPort: self.clientPort, nodePort: self.nodePort, token: token)
        let executables = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        let lifecycle = try await self.functions.start(proxy: proxy, executables: executables, logger: logger)
        FileHandle.standardOutput.write(Data("ready client-port=\(server.clientPort) node-port=\(server.nodePort)\n".utf8))
        logger.info("proxy listening", metadata: ["clients": "\(self.host):\(server.clientPort)", "nodes": "\(self.host):\(server.nodePort)", "functions": "\(self.functions.functions)"])
        let services: [any Service] = [ProxyService(server: server)] + (lifecycle.map { [$0] } ?? [])
        let group = ServiceGroup(services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
        try await group.run()
    }
}

/// Keeps the proxy's ports open until a graceful shutdown is requested.
struct ProxyService: Service {
    let server: ProxyServer

    func run() async throws {
        try? await gracefulShutdown()
        await self.server.close()
    }
}
