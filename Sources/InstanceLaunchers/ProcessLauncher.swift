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
    /// The generation of the last run-state change applied: signals from threads that
    /// raced are sent in the platform's order, and an older one is dropped.
    private let appliedGeneration = Mutex<UInt64>(0)

    init(process: Process, connection: FrameConnection, forget: @escaping @Sendable () -> Void) {
        self.process = process
        self.link = connection
        self.forget = forget
    }

    var connection: any FrameTransport { self.link }
    var chunkCount: Int? { nil }
    /// A process that exits closes its connection.
    var isAlive: Bool { self.link.isOpen }

    func setRunning(_ running: Bool, generation: UInt64) {
        // This lock orders the two signals of one process and guards nothing else.
        self.appliedGeneration.withLock { applied in
            guard generation > applied else { return }
            applied = generation
            // A process already reaped may have given its pid to another: signal only our own.
            if self.process.isRunning {
                kill(self.process.processIdentifier, running ? SIGCONT : SIGSTOP)
            }
        }
    }

    func destroy() async {
        // SIGKILL ends even a stopped process at once, so reaping it is quick.
        if self.process.isRunning { await ChildProcess.terminate([self.process], signal: SIGKILL) }
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
