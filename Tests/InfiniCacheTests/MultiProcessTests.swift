import Foundation
import InfiniCacheClient
import InfiniCacheCluster
import NIOCore
import TestSupport
import Testing

@Suite("Multi-process cluster")
struct MultiProcessTests {
    @Test("the proxy and node executables serve objects up to 64 MiB and survive r killed nodes")
    func realProcesses() async throws {
        // The executables are built next to the test bundle.
        let directory = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        let cluster = try ProcessCluster(executables: directory, nodeCount: 12, nodeCapacityMiB: 256)
        defer { cluster.stop() }
        let client = try await cluster.connectClient()
        let sizes = [0, 1, 5000, (1 << 20) + 3, 20 << 20, 64 << 20]
        for (index, size) in sizes.enumerated() {
            try await client.put("p\(index)", ByteBuffer(bytes: randomBytes(count: size, seed: UInt64(100 + index))))
        }
        for (index, size) in sizes.enumerated() {
            #expect(try await client.get("p\(index)") == ByteBuffer(bytes: randomBytes(count: size, seed: UInt64(100 + index))))
        }
        // Two nodes die without warning, as reclaimed functions do.
        ProcessCluster.terminate(Array(cluster.nodeProcesses.prefix(2)), signal: SIGKILL)
        for (index, size) in sizes.enumerated() {
            #expect(try await client.get("p\(index)") == ByteBuffer(bytes: randomBytes(count: size, seed: UInt64(100 + index))), "after losing 2 nodes")
        }
        await client.close()
    }
}
