public import Foundation
public import InfiniCacheClient
import FunctionPlatform

/// The cache as real processes on this machine: one `infinicache-proxy` and its
/// `infinicache-node`s, started from a directory holding the built executables (the
/// multi-process tests and `infinicache-bench --processes` use it).
public final class ProcessCluster {
    /// The proxy's client port.
    public let clientPort: Int
    /// The node processes, in order (to kill one, or read its memory).
    public let nodeProcesses: [Process]
    private let proxyProcess: Process

    /// Starts a proxy on free loopback ports, with `proxyArguments` added to its command
    /// line, and `nodeCount` nodes of `nodeCapacityMiB` each; node 0 answers every request
    /// `straggler` late, when given.
    public init(executables directory: URL, nodeCount: Int, nodeCapacityMiB: Int, straggler: Duration? = nil, proxyArguments: [String] = []) async throws {
        func executable(_ name: String) throws -> URL {
            try Self.executable(name, in: directory)
        }
        let environment = ["INFINICACHE_TOKEN": "cluster-\(UInt64.random(in: 0...UInt64.max))"]
        let output = Pipe()
        let proxy = try Self.launch(try executable("infinicache-proxy"), ["--client-port", "0", "--node-port", "0", "--log-level", "error"] + proxyArguments, environment: environment, output: output)
        // The proxy prints "ready client-port=N node-port=M" once both ports are bound.
        let ready = String(decoding: output.fileHandleForReading.availableData, as: UTF8.self)
        func port(_ name: String) -> Int? {
            ready.split(whereSeparator: \.isWhitespace).first { $0.hasPrefix(name + "=") }.flatMap { Int($0.dropFirst(name.count + 1)) }
        }
        guard let clientPort = port("client-port"), let nodePort = port("node-port") else {
            await Self.terminate([proxy])
            throw InfiniCacheError(.protocolError, "infinicache-proxy did not report its ports: \(ready)")
        }
        var nodes: [Process] = []
        do {
            for index in 0..<nodeCount {
                let arguments = Self.nodeArguments(proxyPort: nodePort, function: "node-\(index)", capacityMiB: nodeCapacityMiB, respondDelay: index == 0 ? straggler : nil)
                nodes.append(try Self.launch(try executable("infinicache-node"), arguments, environment: environment))
            }
        } catch {
            await Self.terminate([proxy] + nodes)
            throw error
        }
        self.clientPort = clientPort
        self.nodeProcesses = nodes
        self.proxyProcess = proxy
    }

    /// A client of the proxy, returned once every node has registered (within 10 s).
    public func connectClient(configuration: ClientConfiguration = ClientConfiguration()) async throws -> InfiniCacheClient {
        let client = try await InfiniCacheClient.connect(to: [(host: "127.0.0.1", port: self.clientPort)], configuration: configuration)
        let deadline = ContinuousClock.now + .seconds(10)
        while try await client.statistics().components(separatedBy: "functionID").count - 1 < self.nodeProcesses.count {
            guard ContinuousClock.now < deadline else {
                await client.close()
                throw InfiniCacheError(.timedOut, "the nodes did not all register within 10 s")
            }
            try await Task.sleep(for: .milliseconds(25))
        }
        return client
    }

    /// Stops the proxy and every node still running.
    public func stop() async {
        await Self.terminate([self.proxyProcess] + self.nodeProcesses)
    }

    /// The built executable `name` in `directory`.
    ///
    /// - Throws: ``InfiniCacheError`` if it is missing.
    static func executable(_ name: String, in directory: URL) throws -> URL {
        let url = directory.appendingPathComponent(name)
        guard FileManager.default.isExecutableFile(atPath: url.path) else {
            throw InfiniCacheError(.proxyUnreachable, "\(name) is not built in \(directory.path); run `swift build` first")
        }
        return url
    }

    /// The command line of an `infinicache-node` that dials `proxyPort` as `function`
    /// (and `instance`, when given), holds `capacityMiB`, and delays every response by
    /// `respondDelay` (none for nil).
    static func nodeArguments(proxyPort: Int, function: String, instance: UInt64? = nil, capacityMiB: Int, respondDelay: Duration?) -> [String] {
        var arguments = ["--proxy-port", "\(proxyPort)", "--function-id", function, "--capacity-mib", "\(capacityMiB)", "--log-level", "error"]
        if let instance {
            arguments += ["--instance-id", "\(instance)"]
        }
        if let respondDelay {
            arguments += ["--respond-delay-ms", "\(respondDelay.nanoseconds / 1_000_000)"]
        }
        return arguments
    }

    /// Starts `executable` with `arguments`, its output discarded unless `output` is given.
    public static func launch(_ executable: URL, _ arguments: [String], environment: [String: String] = [:], output: Pipe? = nil) throws -> Process {
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        process.standardOutput = output ?? FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        return process
    }

    /// Sends `signal` (SIGTERM by default; SIGKILL plays a reclaimed function), then
    /// SIGKILL to whatever has not exited 5 s later, and reaps them. It polls `waitpid`
    /// itself: Foundation's `waitUntilExit` spins forever on Linux when no run loop runs
    /// on the main thread, as in an async command. Between polls it sleeps as a task,
    /// not a thread, so that a process slow to exit holds up none of the concurrency
    /// pool's few threads.
    public static func terminate(_ processes: [Process], signal: Int32 = SIGTERM) async {
        let pids = processes.map(\.processIdentifier)
        for pid in pids {
            kill(pid, signal)
        }
        let deadline = ContinuousClock.now + .seconds(5)
        var running = Set(pids)
        while !running.isEmpty {
            for pid in running {
                var status: Int32 = 0
                let result = waitpid(pid, &status, WNOHANG)
                if result == pid || (result == -1 && errno == ECHILD) {
                    running.remove(pid)
                }
            }
            if ContinuousClock.now > deadline {
                for pid in running { kill(pid, SIGKILL) }
                break
            }
            try? await Task.sleep(for: .milliseconds(10))
        }
    }
}
