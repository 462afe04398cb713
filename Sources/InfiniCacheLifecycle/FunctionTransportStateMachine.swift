import FunctionPlatform

/// The decisions of a ``FunctionTransport``, free of any platform or transport: whether a
/// request can go to the function's current invocation, must wait for one being started,
/// or must start one; and who waits. The transport asks it under its lock and invokes,
/// sends and resumes after unlocking. Generic over what waits, so tests drive it with
/// plain values.
struct FunctionTransportStateMachine<Waiter> {
    /// Where a request or caller goes next.
    enum Route {
        /// The transport is closed: fail it.
        case closed
        /// Use `invocation` if it is still running (the caller checks, outside the lock);
        /// if not, report ``stopped(_:)`` with `generation` and route again.
        case check(any FunctionInvocation, generation: Int)
        /// An invocation is starting: the waiter joined those it will be handed to.
        case wait
        /// Start an invocation: the waiter is the first it will be handed to.
        case start
    }

    private var isClosed = false
    private var current: (any FunctionInvocation)?
    /// Counts adopted invocations, so that a stale report of a stopped invocation does
    /// not drop a newer one.
    private var generation = 0
    /// The instance of the latest invocation, kept after it stops: where the mapped
    /// chunks were last seen.
    private var lastInstance: UInt64?
    private var isStarting = false
    /// The invocation started and being handed its waiters, before it becomes current.
    private var starting: (any FunctionInvocation)?
    private var waiters: [Waiter] = []

    /// Routes `waiter` (a request, or a caller that wants an invocation).
    mutating func route(_ waiter: Waiter) -> Route {
        if self.isClosed {
            return .closed
        }
        if let current = self.current {
            return .check(current, generation: self.generation)
        }
        self.waiters.append(waiter)
        if self.isStarting {
            return .wait
        }
        self.isStarting = true
        return .start
    }

    /// The invocation routed with `generation` is no longer running: the next route starts
    /// or joins another.
    mutating func stopped(_ generation: Int) {
        if generation == self.generation {
            self.current = nil
        }
    }

    /// The invocation being started is running. Returns the instance of the invocation
    /// before it (to tell a failover from a warm start) and the waiters to hand it to, the
    /// one that started it first; or, if the transport was closed meanwhile, nil: the
    /// caller ends the invocation, which nobody will use. Routes keep waiting until
    /// ``handedOver()`` makes the invocation current, so that no request overtakes those
    /// that waited for it.
    mutating func started(_ invocation: any FunctionInvocation) -> (previousInstance: UInt64?, waiters: [Waiter])? {
        guard !self.isClosed else {
            self.isStarting = false
            return nil
        }
        defer {
            self.starting = invocation
            self.lastInstance = invocation.instanceID
            self.waiters = []
        }
        return (self.lastInstance, self.waiters)
    }

    /// The waiters handed to the started invocation have been sent: returns those that
    /// came meanwhile, to hand over too, or — when none did — makes the invocation current
    /// and returns none.
    mutating func handedOver() -> [Waiter] {
        guard self.waiters.isEmpty else {
            defer { self.waiters = [] }
            return self.waiters
        }
        if let starting = self.starting, !self.isClosed {
            self.current = starting
            self.generation += 1
        }
        self.starting = nil
        self.isStarting = false
        return []
    }

    /// The started invocation ended before its waiters were all handed over: returns the
    /// waiters still queued, to route again; the next route starts another invocation.
    mutating func handOverAbandoned() -> [Waiter] {
        self.starting = nil
        self.isStarting = false
        defer { self.waiters = [] }
        return self.waiters
    }

    /// Starting an invocation failed: returns the waiters, to fail.
    mutating func startFailed() -> [Waiter] {
        self.isStarting = false
        defer { self.waiters = [] }
        return self.waiters
    }

    /// Closes the transport: returns the current invocation (or the one being handed its
    /// waiters), to end, and the waiters, to fail. Later routes are ``Route/closed``.
    mutating func close() -> (current: (any FunctionInvocation)?, waiters: [Waiter]) {
        self.isClosed = true
        defer {
            self.current = nil
            self.starting = nil
            self.waiters = []
        }
        return (self.current ?? self.starting, self.waiters)
    }
}
