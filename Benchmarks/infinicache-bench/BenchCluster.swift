import Foundation
import InfiniCacheClient
import InfiniCacheProxy
import InfiniCacheTesting

/// The cache under measurement: 12 nodes and a proxy, embedded in the bench process over
/// loopback TCP, or as separate `infinicache-proxy` / `infinicache-node` processes built
/// next to the bench.
final class BenchCluster {
    let client: InfiniCacheClient
    /// The node processes, when there are any (for their resident memory).
    var nodeProcesses: [Process] { self.processes?.nodeProcesses ?? [] }
    /// Who spends CPU on the cache's requests, when it runs as processes: the proxy, the
    /// nodes, and this process (the client).
    var cpuAccount: CPUAccount? {
        self.processes.map { processes in
            CPUAccount(roles: [
                "proxy": [processes.proxyProcessIdentifier], "nodes": processes.nodeProcesses.map(\.processIdentifier), "client": [getpid()],
            ])
        }
    }
    private let embedded: LocalCluster?
    private let processes: ProcessCluster?

    static let nodeCount = 12

    private init(client: InfiniCacheClient, embedded: LocalCluster?, processes: ProcessCluster?) {
        self.client = client
        self.embedded = embedded
        self.processes = processes
    }

    /// Starts a cluster whose node 0 delays every response by `straggler`, if given, and
    /// whose proxy keeps objects of at most `tierObjectLimit` bytes in a small-object tier
    /// of `tierBudget` bytes (the proxy's defaults when nil; a budget of 0 turns it off).
    /// With `network`, node `i` runs in the namespace of its link `i` and the proxy listens
    /// on link 0's root-side address (processes, whatever `separateProcesses` says).
    static func start(
        separateProcesses: Bool, nodeCapacityMiB: Int, straggler: Duration?, client configuration: ClientConfiguration,
        tierBudget: Int? = nil, tierObjectLimit: Int? = nil, network: EmulatedNetwork? = nil
    ) async throws -> BenchCluster {
        guard separateProcesses || network != nil else {
            let cluster = try await LocalCluster.start(
                wiring: .tcp,
                nodeCount: self.nodeCount,
                nodeCapacity: nodeCapacityMiB << 20,
                client: configuration,
                respondDelays: straggler.map { [0: $0] } ?? [:],
                smallObjectTierBudget: tierBudget ?? InfiniCacheProxy.defaultSmallObjectTierBudget,
                smallObjectLimit: tierObjectLimit ?? InfiniCacheProxy.defaultSmallObjectLimit
            )
            return BenchCluster(client: cluster.client, embedded: cluster, processes: nil)
        }
        let directory = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
        let tierArguments =
            (tierBudget.map { ["--small-object-tier-mib", "\($0 >> 20)"] } ?? []) + (tierObjectLimit.map { ["--small-object-kib", "\($0 >> 10)"] } ?? [])
        let processes = try await ProcessCluster(
            executables: directory, nodeCount: self.nodeCount, nodeCapacityMiB: nodeCapacityMiB, straggler: straggler, proxyArguments: tierArguments,
            host: network?.links[0].hostAddress ?? "127.0.0.1", nodeWrapper: network.map { network in { network.wrapper($0) } }
        )
        do {
            return BenchCluster(client: try await processes.connectClient(configuration: configuration), embedded: nil, processes: processes)
        } catch {
            await processes.stop()
            throw error
        }
    }

    func stop() async {
        await self.client.close()
        await self.embedded?.stop()
        await self.processes?.stop()
    }
}
