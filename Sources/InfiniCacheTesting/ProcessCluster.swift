public import Foundation
public import InfiniCacheClient
import InstanceLaunchers

/// The cache as real processes on this machine: one `infinicache-proxy` and its
/// `infinicache-node`s, started from a directory holding the built executables (the
/// multi-process tests and `infinicache-bench --processes` use it).
public final class ProcessCluster {
    /// The proxy's client port.
    public let clientPort: Int
    /// The proxy's other ports from its ready line, by name (`resp-port`, `metrics-port`),
    /// when `proxyArguments` asked for them.
    public let extraPorts: [String: Int]
    /// The proxy process (to read its memory).
    public var proxyProcessIdentifier: Int32 { self.proxyProcess.processIdentifier }
    /// The node processes, in order (to kill one, or read its memory).
    public let nodeProcesses: [Process]
    private let proxyProcess: Process
    /// The address the proxy listens on.
    public let host: String

    /// Starts a proxy on free loopback ports, with `proxyArguments` added to its command
    /// line, and `nodeCount` nodes of `nodeCapacityMiB` each, and returns once every node
    /// has registered; node 0 answers every request `straggler` late, when given. The proxy
    /// listens on `host`; node `i` is started through the command `nodeWrapper(i)` when
    /// given (for example `ip netns exec NS`, to run it in a network namespace).
    ///
    /// - Throws: `PlatformError` if an executable is missing, `CocoaError` if a process
    ///   does not report that it is ready within 10 s.
    public init(
        executables directory: URL, nodeCount: Int, nodeCapacityMiB: Int, straggler: Duration? = nil, proxyArguments: [String] = [],
        host: String = "127.0.0.1", nodeWrapper: ((Int) -> [String])? = nil
    ) async throws {
        let environment = ["INFINICACHE_TOKEN": "cluster-\(UInt64.random(in: 0...UInt64.max))"]
        let proxyOutput = Pipe()
        let proxy = try ChildProcess.launch(
            try ChildProcess.executable("infinicache-proxy", in: directory),
            ["--host", host, "--client-port", "0", "--node-port", "0", "--log-level", "error"] + proxyArguments,
            environment: environment,
            output: proxyOutput
        )
        var nodes: [Process] = []
        do {
            // The proxy prints "ready client-port=N node-port=M" once both ports are bound.
            let ready = try await proxyOutput.firstLine(within: .seconds(10))
            func port(_ name: String) -> Int? {
                ready.split(whereSeparator: \.isWhitespace).first { $0.hasPrefix(name + "=") }.flatMap { Int($0.dropFirst(name.count + 1)) }
            }
            guard let clientPort = port("client-port"), let nodePort = port("node-port") else {
                throw InfiniCacheError(.protocolError, "infinicache-proxy did not report its ports: \(ready)")
            }
            // Each node prints "registered ..." once the proxy has registered it.
            var outputs: [Pipe] = []
            for index in 0..<nodeCount {
                let straggling = index == 0 ? straggler.map { ["--respond-delay-ms", "\(Int($0 / .milliseconds(1)))"] } : nil
                let arguments = ChildProcess.nodeArguments(
                    proxyPort: nodePort, function: "node-\(index)", capacityMiB: nodeCapacityMiB, extra: ["--proxy-host", host] + (straggling ?? [])
                )
                let output = Pipe()
                let node = try ChildProcess.executable("infinicache-node", in: directory)
                nodes.append(try ChildProcess.launch(node, arguments, environment: environment, output: output, through: nodeWrapper?(index) ?? []))
                outputs.append(output)
            }
            for output in outputs {
                _ = try await output.firstLine(within: .seconds(10))
            }
            self.clientPort = clientPort
            self.extraPorts = Dictionary(
                uniqueKeysWithValues: ["resp-port", "metrics-port"].compactMap { name in port(name).map { (name, $0) } }
            )
        } catch {
            await ChildProcess.terminate([proxy] + nodes)
            throw error
        }
        self.nodeProcesses = nodes
        self.proxyProcess = proxy
        self.host = host
    }

    /// A client of the proxy.
    public func connectClient(configuration: ClientConfiguration = ClientConfiguration()) async throws -> InfiniCacheClient {
        try await InfiniCacheClient.connect(to: [(host: self.host, port: self.clientPort)], configuration: configuration)
    }

    /// Stops the proxy and every node still running.
    public func stop() async {
        await ChildProcess.terminate([self.proxyProcess] + self.nodeProcesses)
    }
}
