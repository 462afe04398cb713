import ChunkTransport
import ChunkWire
public import Foundation
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
    private let arrivals = ConnectionRendezvous()
    private let accepting: Task<Void, Never>
    private let processes = ProcessTable()

    private init(executable: URL, listener: NodeListener, token: String) {
        self.executable = executable
        self.listener = listener
        self.token = token
        let arrivals = self.arrivals
        self.accepting = Task {
            for await node in listener.nodes {
                arrivals.arrived(node.connection, instance: node.hello.instanceID)
            }
        }
    }

    /// Listens on a free loopback port for instances of `infinicache-node` found in
    /// `directory`.
    ///
    /// - Throws: `InfiniCacheError` if the executable is missing, ``TransportError`` if
    ///   the port cannot be bound.
    public static func start(executables directory: URL) async throws -> ProcessLauncher {
        let executable = try ProcessCluster.executable("infinicache-node", in: directory)
        let token = "functions-\(UInt64.random(in: 0...UInt64.max))"
        // A frozen instance answers no pings: liveness checks would close its connection.
        let configuration = TransportConfiguration(pingInterval: nil)
        let listener = try await NodeListener.bind(host: "127.0.0.1", port: 0, token: Array(token.utf8), configuration: configuration)
        return ProcessLauncher(executable: executable, listener: listener, token: token)
    }

    public func launch(function: String, instance: UInt64, capacity: Int, respondDelay: Duration?) async throws -> any PlatformInstance {
        let arguments = ProcessCluster.nodeArguments(
            proxyPort: self.listener.port, function: function, instance: instance,
            capacityMiB: (capacity + (1 << 20) - 1) >> 20, respondDelay: respondDelay
        )
        let process = try ProcessCluster.launch(self.executable, arguments, environment: ["INFINICACHE_TOKEN": self.token])
        do {
            let connection = try await self.arrivals.connection(for: instance, within: .seconds(10))
            self.processes.insert(process, instance: instance)
            return ProcessInstance(process: process, connection: connection) { [processes = self.processes] in
                processes.remove(instance: instance)
            }
        } catch {
            await ProcessCluster.terminate([process], signal: SIGKILL)
            throw error
        }
    }

    /// The process id of every live instance, by instance id (for operators and tests).
    public var processIDs: [UInt64: Int32] {
        self.processes.identifiers
    }

    /// Stops listening; destroy the instances through the platform's `shutdown()` first.
    public func close() async {
        self.accepting.cancel()
        await self.listener.close()
    }
}

/// The live instance processes by instance id.
final class ProcessTable: Sendable {
    private let processes = Mutex<[UInt64: Process]>([:])

    var identifiers: [UInt64: Int32] {
        self.processes.withLock { $0.mapValues(\.processIdentifier) }
    }

    func insert(_ process: Process, instance: UInt64) {
        self.processes.withLock { $0[instance] = process }
    }

    func remove(instance: UInt64) {
        self.processes.withLock { _ = $0.removeValue(forKey: instance) }
    }
}

/// An `infinicache-node` process serving one instance.
final class ProcessInstance: PlatformInstance {
    private let process: Process
    private let link: FrameConnection
    private let forget: @Sendable () -> Void

    init(process: Process, connection: FrameConnection, forget: @escaping @Sendable () -> Void) {
        self.process = process
        self.link = connection
        self.forget = forget
    }

    var connection: any NodeTransport { self.link }
    var chunkCount: Int? { nil }
    /// A process that exits closes its connection.
    var isAlive: Bool { self.link.isOpen }

    // A process already reaped may have given its pid to another: signal only our own.
    func freeze() {
        if self.process.isRunning { kill(self.process.processIdentifier, SIGSTOP) }
    }

    func thaw() {
        if self.process.isRunning { kill(self.process.processIdentifier, SIGCONT) }
    }

    func destroy() async {
        // SIGKILL ends even a stopped process at once, so reaping it is quick.
        if self.process.isRunning { await ProcessCluster.terminate([self.process], signal: SIGKILL) }
        self.forget()
        await self.link.close()
    }
}

/// Hands each instance's connection to the launch waiting for it, whichever comes first.
final class ConnectionRendezvous: Sendable {
    private struct State {
        var arrived: [UInt64: FrameConnection] = [:]
        var waiting: [UInt64: CheckedContinuation<FrameConnection, any Error>] = [:]
    }

    private let state = Mutex(State())

    func arrived(_ connection: FrameConnection, instance: UInt64) {
        let waiter = self.state.withLock { state in
            guard let waiter = state.waiting.removeValue(forKey: instance) else {
                state.arrived[instance] = connection
                return nil as CheckedContinuation<FrameConnection, any Error>?
            }
            return waiter
        }
        waiter?.resume(returning: connection)
    }

    func connection(for instance: UInt64, within timeout: Duration) async throws -> FrameConnection {
        try await withCheckedThrowingContinuation { continuation in
            let ready = self.state.withLock { state in
                guard let connection = state.arrived.removeValue(forKey: instance) else {
                    state.waiting[instance] = continuation
                    return nil as FrameConnection?
                }
                return connection
            }
            guard let ready else {
                // Started only once the waiter is registered, so it cannot miss it; a
                // waiter already served is simply gone by then.
                Task {
                    try? await Task.sleep(for: timeout)
                    let waiter = self.state.withLock { $0.waiting.removeValue(forKey: instance) }
                    waiter?.resume(throwing: TransportError(.timedOut, "instance \(instance) did not dial in within \(timeout)"))
                }
                return
            }
            continuation.resume(returning: ready)
        }
    }
}
