import Foundation
import InfiniCacheClient
import NIOCore
import TestSupport
import Testing

/// The real executables, started from the build directory the tests run from.
private final class ProcessCluster {
    let proxy: Process
    var nodes: [Process] = []
    let clientPort: Int

    static func executable(_ name: String) throws -> URL {
        let directory = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        let url = directory.appendingPathComponent(name)
        guard FileManager.default.isExecutableFile(atPath: url.path) else {
            throw InfiniCacheError(.proxyUnreachable, "\(name) is not built next to the tests at \(directory.path)")
        }
        return url
    }

    init(nodeCount: Int) throws {
        let environment = ProcessInfo.processInfo.environment.merging(["INFINICACHE_TOKEN": "multi-process"]) { $1 }
        self.proxy = Process()
        self.proxy.executableURL = try Self.executable("infinicache-proxy")
        self.proxy.arguments = ["--client-port", "0", "--node-port", "0", "--log-level", "warning"]
        self.proxy.environment = environment
        let output = Pipe()
        self.proxy.standardOutput = output
        try self.proxy.run()
        // The proxy prints "ready client-port=N node-port=M" once both ports are bound.
        let line = String(decoding: output.fileHandleForReading.availableData, as: UTF8.self)
        func port(_ name: String) -> Int? {
            line.split(separator: " ").first { $0.hasPrefix(name + "=") }.flatMap { Int($0.dropFirst(name.count + 1).trimmingCharacters(in: .whitespacesAndNewlines)) }
        }
        guard let clientPort = port("client-port"), let nodePort = port("node-port") else {
            self.proxy.terminate()
            throw InfiniCacheError(.protocolError, "unexpected proxy output: \(line)")
        }
        self.clientPort = clientPort
        for index in 0..<nodeCount {
            let node = Process()
            node.executableURL = try Self.executable("infinicache-node")
            node.arguments = ["--proxy-port", "\(nodePort)", "--function-id", "node-\(index)", "--capacity-mib", "256", "--log-level", "warning"]
            node.environment = environment
            try node.run()
            self.nodes.append(node)
        }
    }

    func stop() {
        for process in self.nodes + [self.proxy] where process.isRunning {
            process.terminate()
            process.waitUntilExit()
        }
    }
}

@Suite("Multi-process cluster")
struct MultiProcessTests {
    @Test("the proxy and node executables serve objects up to 64 MiB and survive r killed nodes")
    func realProcesses() async throws {
        let cluster = try ProcessCluster(nodeCount: 12)
        defer { cluster.stop() }
        let client = try await InfiniCacheClient.connect(to: [(host: "127.0.0.1", port: cluster.clientPort)])
        let deadline = ContinuousClock.now + .seconds(30)
        while try await client.statistics().components(separatedBy: "functionID").count - 1 < 12 {
            guard ContinuousClock.now < deadline else {
                Issue.record("the nodes did not register within 30 s")
                return
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        let sizes = [0, 1, 5000, (1 << 20) + 3, 20 << 20, 64 << 20]
        for (index, size) in sizes.enumerated() {
            try await client.put("p\(index)", ByteBuffer(bytes: randomBytes(count: size, seed: UInt64(100 + index))))
        }
        for (index, size) in sizes.enumerated() {
            #expect(try await client.get("p\(index)") == ByteBuffer(bytes: randomBytes(count: size, seed: UInt64(100 + index))))
        }
        // Two nodes die without warning, as reclaimed functions do.
        for node in cluster.nodes.prefix(2) {
            kill(node.processIdentifier, SIGKILL)
            node.waitUntilExit()
        }
        for (index, size) in sizes.enumerated() {
            #expect(try await client.get("p\(index)") == ByteBuffer(bytes: randomBytes(count: size, seed: UInt64(100 + index))), "after losing 2 nodes")
        }
        await client.close()
    }
}
