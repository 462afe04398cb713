import NIOCore
import NIOPosix
import Synchronization

/// Times out a client's operations without a timer or a task of their own. An operation
/// runs in its caller's task with an ``OperationDeadline`` as a task-local value; the
/// client's waits (``withOperationCancellation(_:onCancel:)``) watch it. One sweep, every
/// eighth of the timeout (at least a millisecond, at most a second) while any operation is
/// registered, expires the deadlines that have passed, which ends their operations' waits:
/// an operation still waiting then fails with `timedOut` between `timeout` and `timeout`
/// plus one sweep interval after it began, and its requests are withdrawn, while the
/// caller's task is never cancelled. An operation whose answers had all arrived is not
/// failed for being resumed late (a busy executor): it returns its result.
///
/// Every wait of a timed operation must go through ``withOperationCancellation(_:onCancel:)``
/// (the client waits in three places: a single request's answer, a set of requests' answers,
/// and a read's stripes), or a late result would be returned past the deadline instead of
/// `timedOut`.
///
/// A timer per operation (a sleeping child task) cost a dispatch timer and a wake-up of
/// the dispatch manager thread per operation: about a quarter of the RESP endpoint's
/// throughput on small values. A child task per operation, cancelled at the deadline, cost
/// about 15% of the CPU of a small SET through it (README, "The RESP endpoint, measured").
final class OperationDeadlines: Sendable {
    private struct State {
        var operations: Set<OperationDeadline> = []
        var isSweeping = false
    }

    private let timeout: Duration
    private let interval: TimeAmount
    private let state = Mutex(State())

    init(timeout: Duration) {
        self.timeout = timeout
        self.interval = max(.milliseconds(1), min(TimeAmount(timeout / 8), .seconds(1)))
    }

    /// Runs `operation` under a deadline `timeout` from now (or the deadline of the
    /// operation that runs it, if that is sooner). An error it throws once the deadline
    /// has passed — its waits end then — becomes `timedOut`.
    ///
    /// - Throws: ``InfiniCacheError`` `timedOut`, or what `operation` throws.
    func run<Result: Sendable>(_ what: String, _ operation: () async throws -> Result) async throws -> Result {
        var deadline = NIODeadline.now() + TimeAmount(self.timeout)
        if let enclosing = OperationDeadline.current {
            deadline = min(deadline, enclosing.deadline)
        }
        let timed = OperationDeadline(deadline)
        self.register(timed)
        do {
            let result = try await OperationDeadline.$current.withValue(timed) {
                try await operation()
            }
            self.deregister(timed)
            return result
        } catch {
            self.deregister(timed)
            if timed.hasExpired {
                throw InfiniCacheError(.timedOut, "\(what) did not finish within \(self.timeout)")
            }
            throw error
        }
    }

    private func register(_ operation: OperationDeadline) {
        let startsSweeping = self.state.withLock { state in
            state.operations.insert(operation)
            defer { state.isSweeping = true }
            return !state.isSweeping
        }
        if startsSweeping {
            self.scheduleSweep()
        }
    }

    private func deregister(_ operation: OperationDeadline) {
        _ = self.state.withLock { $0.operations.remove(operation) }
    }

    private func scheduleSweep() {
        MultiThreadedEventLoopGroup.singleton.any().scheduleTask(in: self.interval) {
            self.sweep()
        }
    }

    /// Expires the operations past their deadline (outside the lock: expiring one runs its
    /// waits' handlers); sweeps again after an interval while any operation is registered.
    private func sweep() {
        let now = NIODeadline.now()
        let (expired, sweepsAgain) = self.state.withLock { state in
            let expired = state.operations.filter { $0.deadline <= now }
            state.operations.subtract(expired)
            state.isSweeping = !state.operations.isEmpty
            return (expired, state.isSweeping)
        }
        for operation in expired {
            operation.expire()
        }
        if sweepsAgain {
            self.scheduleSweep()
        }
    }
}

/// The deadline of one timed client operation, which the operation's waits watch.
final class OperationDeadline: Hashable, Sendable {
    /// The deadline of the operation the current task is running, if any.
    @TaskLocal static var current: OperationDeadline?

    private struct State {
        var hasExpired = false
        var nextWatcher = 0
        var watchers: [Int: @Sendable () -> Void] = [:]
    }

    let deadline: NIODeadline
    private let state = Mutex(State())

    init(_ deadline: NIODeadline) {
        self.deadline = deadline
    }

    /// Whether the deadline passed while the operation ran.
    var hasExpired: Bool {
        self.state.withLock { $0.hasExpired }
    }

    /// Calls `onExpiry` when the deadline passes — at once if it has — unless ``unwatch(_:)``
    /// is called first with the id returned.
    func watch(_ onExpiry: @escaping @Sendable () -> Void) -> Int? {
        let id: Int? = self.state.withLock { state in
            guard !state.hasExpired else { return nil }
            defer { state.nextWatcher += 1 }
            state.watchers[state.nextWatcher] = onExpiry
            return state.nextWatcher
        }
        if id == nil {
            onExpiry()
        }
        return id
    }

    /// Stops watching: `id` is what ``watch(_:)`` returned.
    func unwatch(_ id: Int) {
        _ = self.state.withLock { $0.watchers.removeValue(forKey: id) }
    }

    /// The deadline has passed: calls every watcher, once.
    func expire() {
        let watchers = self.state.withLock { state in
            state.hasExpired = true
            defer { state.watchers = [:] }
            return state.watchers.values
        }
        for onExpiry in watchers {
            onExpiry()
        }
    }

    static func == (left: OperationDeadline, right: OperationDeadline) -> Bool {
        left === right
    }

    func hash(into hasher: inout Hasher) {
        hasher.combine(ObjectIdentifier(self))
    }
}

/// Runs `body`, one of a client operation's waits, calling `onCancel` — which must end the
/// wait — if the task is cancelled or the deadline of the operation it belongs to passes.
func withOperationCancellation<Result>(
    _ body: () async throws -> Result,
    onCancel: @escaping @Sendable () -> Void
) async throws -> Result {
    let deadline = OperationDeadline.current
    let watcher = deadline?.watch(onCancel)
    defer {
        if let deadline, let watcher {
            deadline.unwatch(watcher)
        }
    }
    return try await withTaskCancellationHandler(operation: body, onCancel: onCancel)
}
