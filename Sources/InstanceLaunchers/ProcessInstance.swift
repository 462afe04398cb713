import ChunkTransport
import ChunkTransportTCP
import Foundation
import LocalFunctionPlatform
import Synchronization

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
