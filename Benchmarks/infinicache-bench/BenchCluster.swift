import Foundation
import InfiniCacheClient
import InfiniCacheCluster

/// The cache under measurement: 12 nodes and a proxy, embedded in the bench process over
/// loopback TCP, or as separate `infinicache-proxy` / `infinicache-node` processes.
final class BenchCluster {
    let client: InfiniCacheClient
    /// The node processes, when there are any (for their resident memory).
    let nodeProcesses: [Process]
    private let embedded: LocalCluster?
    private let processes: [Process]

    static let nodeCount = 12

    private init(client: InfiniCacheClient, embedded: LocalCluster?, processes: [Process], nodeProcesses: [Process]) {
        self.client = client
        self.embedded = embedded
        self.processes = processes
        self.nodeProcesses = nodeProcesses
    }

    /// Starts a cluster whose node 0 delays every response by `straggler`, if given.
    static func start(separateProcesses: Bool, nodeCapacityMiB: Int, straggler: Duration?, client configuration: ClientConfiguration) async throws -> BenchCluster {
        guard separateProcesses else {
            let cluster = try await LocalCluster.start(
                wiring: .tcp,
                nodeCount: self.nodeCount,
                nodeCapacity: nodeCapacityMiB << 20,
                client: configuration,
                respondDelays: straggler.map { [0: $0] } ?? [:]
            )
            return BenchCluster(client: cluster.client, embedded: cluster, processes: [], nodeProcesses: [])
        }
        let environment = ["INFINICACHE_TOKEN": "bench-\(UInt64.random(in: 0...UInt64.max))"]
        let output = Pipe()
        let proxy = try Processes.start(try Processes.sibling("infinicache-proxy"), ["--client-port", "0", "--node-port", "0", "--log-level", "error"], environment: environment, output: output)
        let ready = String(decoding: output.fileHandleForReading.availableData, as: UTF8.self)
        func port(_ name: String) -> Int? {
            ready.split(whereSeparator: \.isWhitespace).first { $0.hasPrefix(name + "=") }.flatMap { Int($0.dropFirst(name.count + 1)) }
        }
        guard let clientPort = port("client-port"), let nodePort = port("node-port") else {
            Processes.stop([proxy])
            throw RedisError("infinicache-proxy did not report its ports: \(ready)")
        }
        var nodes: [Process] = []
        for index in 0..<self.nodeCount {
            var arguments = ["--proxy-port", "\(nodePort)", "--function-id", "node-\(index)", "--capacity-mib", "\(nodeCapacityMiB)", "--log-level", "error"]
            if index == 0, let straggler {
                arguments += ["--respond-delay-ms", "\(straggler.components.seconds * 1000 + straggler.components.attoseconds / 1_000_000_000_000_000)"]
            }
            nodes.append(try Processes.start(try Processes.sibling("infinicache-node"), arguments, environment: environment))
        }
        let client = try await InfiniCacheClient.connect(to: [(host: "127.0.0.1", port: clientPort)], configuration: configuration)
        for _ in 0..<400 where try await client.statistics().components(separatedBy: "functionID").count - 1 < self.nodeCount {
            try await Task.sleep(for: .milliseconds(25))
        }
        return BenchCluster(client: client, embedded: nil, processes: [proxy] + nodes, nodeProcesses: nodes)
    }

    func stop() async {
        await self.client.close()
        await self.embedded?.stop()
        Processes.stop(self.processes)
    }
}
