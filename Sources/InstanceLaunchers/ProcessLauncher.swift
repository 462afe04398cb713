import ChunkTransport
import ChunkTransportTCP
import ChunkWire
public import Foundation
import FunctionPlatform
public import LocalFunctionPlatform
import Synchronization

/// Starts the instances of a ``LocalFunctionPlatform`` as `infinicache-node` processes.
/// Each instance dials back to a node port the launcher listens on (as a Lambda function
/// dials its proxy), says hello with its function and instance id, and keeps that
/// connection across invocations. Between invocations the process is stopped (SIGSTOP)
/// and continued (SIGCONT) when invoked; a reclaim kills it (SIGKILL).
public final class ProcessLauncher: InstanceLauncher {
    private let executable: URL
    private let listener: NodeListener
    private let token: String
    private let arrivals: ConnectionRendezvous
    private let processes = ProcessTable()

    private init(executable: URL, listener: NodeListener, token: String, arrivals: ConnectionRendezvous) {
        self.executable = executable
        self.listener = listener
        self.token = token
        self.arrivals = arrivals
    }

    /// Listens on a free loopback port for instances of `infinicache-node` found in
    /// `directory`.
    ///
    /// - Throws: `PlatformError` with code `launcherUnavailable` if the executable is
    ///   missing or the port cannot be bound.
    public static func start(executables directory: URL) async throws -> ProcessLauncher {
        let executable = try ChildProcess.executable("infinicache-node", in: directory)
        let token = "functions-\(UInt64.random(in: 0...UInt64.max))"
        // A stopped instance answers no pings: liveness checks would close its connection.
        let configuration = TransportConfiguration(pingInterval: nil)
        let arrivals = ConnectionRendezvous()
        let listener: NodeListener
        do {
            listener = try await NodeListener.bind(host: "127.0.0.1", port: 0, token: Array(token.utf8), configuration: configuration) { node in
                arrivals.arrived(node.connection, instance: node.hello.instanceID)
            }
        } catch {
            throw PlatformError(.launcherUnavailable, "cannot listen for instances: \(error)")
        }
        return ProcessLauncher(executable: executable, listener: listener, token: token, arrivals: arrivals)
    }

    public func launch(function: String, instance: UInt64, capacity: Int) async throws -> any PlatformInstance {
        let arguments = ChildProcess.nodeArguments(
            proxyPort: self.listener.port, function: function, instance: instance,
            capacityMiB: (capacity + (1 << 20) - 1) >> 20
        )
        let process = try ChildProcess.launch(self.executable, arguments, environment: ["INFINICACHE_TOKEN": self.token])
        do {
            let connection = try await self.arrivals.connection(for: instance, within: .seconds(10))
            self.processes.insert(process, instance: instance)
            return ProcessInstance(process: process, connection: connection) { [processes = self.processes] in
                processes.remove(instance: instance)
            }
        } catch {
            await ChildProcess.terminate([process], signal: SIGKILL)
            throw error
        }
    }

    /// The process id of every live instance, by instance id (for operators and tests).
    public var processIDs: [UInt64: Int32] {
        self.processes.identifiers
    }

    /// Stops listening; the platform calls it from `shutdown()`, after destroying the
    /// instances.
    public func close() async {
        await self.listener.close()
    }
}
