import ArgumentParser
import Foundation
import InfiniCacheClient
import InfiniCacheProxy
import InfiniCacheStatistics
import Logging
import NIOCore
import ServiceLifecycle
import Testing
@testable import infinicache_node
@testable import infinicache_proxy

@Suite("Executables' build functions")
struct ExecutableTests {
    @Test("the proxy and node commands build services that serve objects and stop on a graceful shutdown")
    func buildAndRun() async throws {
        let logger = Logger(label: "test")
        let proxyCommand = try ProxyCommand.parse(["--client-port", "0", "--node-port", "0", "--token", "t0ken"])
        let directory = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        let proxy = try await proxyCommand.buildApplication(executables: directory, logger: logger)
        let proxyGroup = ServiceGroup(services: proxy.services, logger: logger)
        let proxyRun = Task { try await proxyGroup.run() }

        let nodeCommand = try NodeCommand.parse(["--proxy-port", "\(proxy.server.nodePort)", "--capacity-mib", "16", "--token", "t0ken"])
        let nodeGroup = ServiceGroup(services: [try nodeCommand.buildService(logger: logger)], logger: logger)
        let nodeRun = Task { try await nodeGroup.run() }

        let client = try await InfiniCacheClient.connect(
            to: [(host: "127.0.0.1", port: proxy.server.clientPort)],
            configuration: ClientConfiguration(dataChunkCount: 1, parityChunkCount: 0)
        )
        // The node registers as soon as its service runs; a put before that is refused.
        var registered = false
        for _ in 0..<200 where !registered {
            registered = try await client.statistics().nodes.count == 1
            if !registered { try await Task.sleep(for: .milliseconds(10)) }
        }
        #expect(registered)
        let value = ByteBuffer(string: "built by the commands' build functions")
        try await client.put("k", value)
        #expect(try await client.get("k") == value)
        await client.close()

        await nodeGroup.triggerGracefulShutdown()
        try await nodeRun.value
        await proxyGroup.triggerGracefulShutdown()
        try await proxyRun.value
        await #expect(throws: (any Error).self) {
            _ = try await InfiniCacheClient.connect(to: [(host: "127.0.0.1", port: proxy.server.clientPort)])
        }
    }

    @Test("a command with an empty token is refused with a validation error, before binding anything")
    func emptyToken() async throws {
        let command = try ProxyCommand.parse(["--client-port", "0", "--node-port", "0", "--token", ""])
        await #expect(throws: (any Error).self) {
            _ = try await command.buildApplication(executables: URL(fileURLWithPath: "/nonexistent"), logger: Logger(label: "test"))
        }
        #expect(throws: (any Error).self) {
            _ = try NodeCommand.parse(["--token", ""]).buildService(logger: Logger(label: "test"))
        }
    }
}
