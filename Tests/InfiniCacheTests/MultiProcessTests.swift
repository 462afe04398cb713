import ChunkTransport
import ChunkTransportInProcess
import Foundation
import FunctionPlatform
import InfiniCacheClient
import InfiniCacheLifecycle
import InfiniCacheProxy
import InfiniCacheStatistics
import InfiniCacheTesting
import InstanceLaunchers
import LocalFunctionPlatform
import NIOCore
import TestSupport
import Testing

@Suite("Multi-process cluster")
struct MultiProcessTests {
    @Test("the proxy and node executables serve objects up to 64 MiB and survive r killed nodes")
    func realProcesses() async throws {
        // The executables are built next to the test bundle.
        let directory = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        let cluster = try await ProcessCluster(executables: directory, nodeCount: 12, nodeCapacityMiB: 256)
        try await Self.stopping(cluster) {
            let client = try await cluster.connectClient()
            let sizes = [0, 1, 5000, (1 << 20) + 3, 20 << 20, 64 << 20]
            for (index, size) in sizes.enumerated() {
                try await client.put("p\(index)", ByteBuffer(bytes: randomBytes(count: size, seed: UInt64(100 + index))))
            }
            for (index, size) in sizes.enumerated() {
                #expect(try await client.get("p\(index)") == ByteBuffer(bytes: randomBytes(count: size, seed: UInt64(100 + index))))
            }
            // Two nodes die without warning, as reclaimed functions do.
            await ChildProcess.terminate(Array(cluster.nodeProcesses.prefix(2)), signal: SIGKILL)
            for (index, size) in sizes.enumerated() {
                #expect(try await client.get("p\(index)") == ByteBuffer(bytes: randomBytes(count: size, seed: UInt64(100 + index))), "after losing 2 nodes")
            }
            await client.close()
        }
    }

    /// Runs `body`, then stops `cluster` whether or not `body` threw.
    private static func stopping(_ cluster: ProcessCluster, _ body: () async throws -> Void) async throws {
        do {
            try await body()
        } catch {
            await cluster.stop()
            throw error
        }
        await cluster.stop()
    }

    @Test("functions as infinicache-node processes: stopped between invocations, and failing over to their backups when killed")
    func serverlessProcesses() async throws {
        let directory = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        let launcher = try await ProcessLauncher.start(executables: directory)
        let clock = SystemPlatformClock()
        let functions = (0..<12).map { "function-\($0)" }
        let platform = LocalFunctionPlatform(
            functions: functions,
            configuration: LocalFunctionPlatform.Configuration(nodeCapacity: 64 << 20, extensionWindow: .milliseconds(200)),
            launcher: launcher,
            clock: clock
        )
        let proxy = InfiniCacheProxy()
        let lifecycle = FunctionLifecycle(
            proxy: proxy,
            platform: platform,
            functions: functions,
            nodeCapacity: 64 << 20,
            configuration: FunctionLifecycle.Configuration(warmUpInterval: nil, backupInterval: nil),
            clock: clock
        )
        let client = try InfiniCacheClient(proxies: [[InProcessTransport(to: proxy, verifiesPayloadChecksums: false)]])
        do {
            let values = (0..<3).map { ByteBuffer(bytes: randomBytes(count: (1 << 20) + $0, seed: UInt64(200 + $0))) }
            for (index, value) in values.enumerated() {
                try await client.put("s\(index)", value)
            }
            await lifecycle.backUp()
            #expect(lifecycle.report().counters.syncs == 12)
            // Idle past the extension window: every invocation returns, its process stops.
            try await Task.sleep(for: .milliseconds(400))
            await platform.tick()
            let processes = launcher.processIDs
            #expect(processes.count == 24, "a primary and a backup per function")
            // A stop signal takes effect once the kernel schedules the process.
            try await poll(attempts: 200, every: .milliseconds(5)) { processes.values.allSatisfy { Self.state(of: $0) == "T" } }
            #expect(processes.values.allSatisfy { Self.state(of: $0) == "T" }, "\(processes.values.map { Self.state(of: $0) ?? "?" })")
            for function in functions {
                if let primary = platform.instances(of: function).first {
                    await platform.reclaim(function, instance: primary.id)
                }
            }
            for (index, value) in values.enumerated() {
                #expect(try await client.get("s\(index)") == value, "served by the backups")
            }
            // The read completes with 10 chunks; the last two failovers may still be counting.
            try await poll(attempts: 500, every: .milliseconds(2)) { lifecycle.report().counters.failovers >= 12 }
            #expect(lifecycle.report().counters.failovers == 12)
            // An instance that dies on its own is replaced, not invoked again.
            let (victim, pid) = try #require(launcher.processIDs.first)
            let function = try #require(functions.first { platform.instances(of: $0).contains { $0.id == victim } })
            kill(pid, SIGKILL)
            try await Task.sleep(for: .milliseconds(400))
            await platform.tick()
            for (index, value) in values.enumerated() {
                #expect(try await client.get("s\(index)") == value, "after a crashed instance")
            }
            // The reads needed only 10 chunks; the new instance may still be starting.
            try await poll(attempts: 500, every: .milliseconds(10)) { !platform.instances(of: function).isEmpty }
            let replacements = platform.instances(of: function).map(\.id)
            #expect(!replacements.contains(victim) && replacements.count == 1, "\(function): \(replacements)")
        } catch {
            Issue.record(error)
        }
        await client.close()
        await platform.shutdown()
    }

    @Test("infinicache-proxy --functions runs its nodes as functions it invokes, and reports the lifecycle")
    func proxyWithFunctions() async throws {
        let directory = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        let cluster = try await ProcessCluster(
            executables: directory,
            nodeCount: 0,
            nodeCapacityMiB: 64,
            proxyArguments: ["--functions", "12", "--function-capacity-mib", "64", "--extension-window-ms", "200"]
        )
        try await Self.stopping(cluster) {
            let client = try await cluster.connectClient()
            let value = ByteBuffer(bytes: randomBytes(count: 3 << 20, seed: 300))
            try await client.put("f", value)
            #expect(try await client.get("f") == value)
            let statistics = try await client.statistics()
            #expect(statistics.nodes.count == 12)
            let counters = try #require(statistics.lifecycle?.counters)
            #expect(counters.invocations >= 12 && counters.coldStarts == 12)
            #expect(try #require(statistics.lifecycle?.bill).total > 0)
            await client.close()
        }
    }

    /// The state letter of process `pid` in /proc (`T`: stopped by a signal).
    private static func state(of pid: Int32) -> String? {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8), let end = stat.lastIndex(of: ")") else { return nil }
        return stat[stat.index(after: end)...].split(separator: " ").first.map(String.init)
    }
}
