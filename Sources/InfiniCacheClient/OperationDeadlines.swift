import NIOCore
import NIOPosix
import Synchronization

/// Times out a client's operations without a timer of their own: each operation runs in a
/// child task registered here, and one sweep, every eighth of the timeout (at least a
/// millisecond, at most a second) while any operation is registered, cancels those past
/// their deadline. An operation therefore fails with `timedOut` between `timeout` and `timeout`
/// plus one sweep interval after its child task began.
///
/// An operation must throw once its task is cancelled (every client operation does: its
/// requests fail with `CancellationError` or it checks for cancellation), or a late
/// result would be returned past the deadline instead of `timedOut`.
///
/// A timer per operation (a sleeping child task) cost a dispatch timer and a wake-up of
/// the dispatch manager thread per operation, and kept every cancelled timer in
/// dispatch's heap until its time came: about a quarter of the RESP endpoint's throughput
/// on small values (README, "The RESP endpoint, measured").
final class OperationDeadlines: Sendable {
    /// A registered operation's task. Cancelled only under the lock, and removed under it
    /// before the task ends, so the task is alive whenever it is used.
    private struct Operation: @unchecked Sendable {
        let task: UnsafeCurrentTask
        let deadline: NIODeadline
    }

    private struct State {
        var nextID = 0
        var operations: [Int: Operation] = [:]
        var timedOut: Set<Int> = []
        var isSweeping = false
    }

    private let timeout: Duration
    private let interval: TimeAmount
    private let state = Mutex(State())

    init(timeout: Duration) {
        self.timeout = timeout
        self.interval = max(.milliseconds(1), min(TimeAmount(timeout / 8), .seconds(1)))
    }

    /// Runs `operation` in a child task, failing with `timedOut` if it has not finished
    /// by the deadline (the child task is then cancelled: its requests are withdrawn).
    ///
    /// - Throws: ``InfiniCacheError`` `timedOut`, or what `operation` throws.
    func run<Result: Sendable>(_ what: String, _ operation: @escaping @Sendable () async throws -> Result) async throws -> Result {
        try await withThrowingTaskGroup(of: Result.self) { group in
            group.addTask {
                let id = withUnsafeCurrentTask { task in self.register(task!) }
                do {
                    let result = try await operation()
                    _ = self.deregister(id)
                    return result
                } catch {
                    if self.deregister(id) {
                        throw InfiniCacheError(.timedOut, "\(what) did not finish within \(self.timeout)")
                    }
                    throw error
                }
            }
            return try await group.next()!
        }
    }

    /// Registers the running `task` until ``deregister(_:)``; returns its id.
    private func register(_ task: UnsafeCurrentTask) -> Int {
        let deadline = NIODeadline.now() + TimeAmount(self.timeout)
        let (id, startsSweeping) = self.state.withLock { state in
            defer {
                state.nextID += 1
                state.isSweeping = true
            }
            state.operations[state.nextID] = Operation(task: task, deadline: deadline)
            return (state.nextID, !state.isSweeping)
        }
        if startsSweeping {
            self.scheduleSweep()
        }
        return id
    }

    /// Removes operation `id`; true if it timed out.
    private func deregister(_ id: Int) -> Bool {
        self.state.withLock { state in
            state.operations[id] = nil
            return state.timedOut.remove(id) != nil
        }
    }

    private func scheduleSweep() {
        MultiThreadedEventLoopGroup.singleton.any().scheduleTask(in: self.interval) {
            self.sweep()
        }
    }

    /// Cancels the operations past their deadline; sweeps again after an interval while
    /// any operation is registered. Tasks are cancelled under the lock, which keeps them
    /// registered, hence alive, meanwhile; their cancellation handlers (withdrawing
    /// requests) must not start or end an operation of this client synchronously, and
    /// none does.
    private func sweep() {
        let now = NIODeadline.now()
        let sweepsAgain = self.state.withLock { state in
            for (id, operation) in state.operations where operation.deadline <= now && !state.timedOut.contains(id) {
                state.timedOut.insert(id)
                operation.task.cancel()
            }
            state.isSweeping = !state.operations.isEmpty
            return state.isSweeping
        }
        if sweepsAgain {
            self.scheduleSweep()
        }
    }
}
