import ChunkTransport
import ChunkWire
import FunctionPlatform
import Synchronization

/// The proxy's way to one function: a `FrameTransport` that sends to the function's
/// running invocation, invokes the function when none runs (requests wait meanwhile, and
/// concurrent ones share the invocation), and retries once, on the next invocation, a
/// request whose instance returned or was reclaimed before it answered. Its decisions
/// are a ``FunctionTransportStateMachine``'s.
final class FunctionTransport: FrameTransport {
    /// What waits for an invocation to start.
    enum Waiter: Sendable {
        case request(FunctionRequest)
        case caller(CheckedContinuation<(invocation: any FunctionInvocation, started: Bool), any Error>)
    }

    private enum Next {
        case running(any FunctionInvocation)
        case waiting
        case closed
    }

    let function: String
    private let platform: any FunctionPlatform
    private let ledger: LifecycleLedger
    private let state = Mutex(FunctionTransportStateMachine<Waiter>())
    private let outstanding = Atomic(0)

    init(function: String, platform: any FunctionPlatform, ledger: LifecycleLedger) {
        self.function = function
        self.platform = platform
        self.ledger = ledger
    }

    /// Sends straight to the running invocation where there is one; otherwise the
    /// request waits for the invocation being started. Cancelling drops the answer but
    /// not the request: a function, once asked, serves it (a Lambda function pushes its
    /// chunk whether or not the proxy still wants it, and is billed for the time), so a
    /// first-d read's stragglers still move their chunks.
    func send(_ request: Frame, onResponse: @escaping ResponseHandler) -> PendingRequest {
        self.outstanding.add(1, ordering: .relaxed)
        let isCancelled = Atomic(false)
        let request = FunctionRequest(request, attempts: 2) { result in
            if !isCancelled.load(ordering: .acquiring) {
                onResponse(result)
            }
            if (try? result.get())?.flags.contains(.more) != true {
                self.outstanding.subtract(1, ordering: .releasing)
            }
        }
        self.dispatch(request)
        return PendingRequest { isCancelled.store(true, ordering: .releasing) }
    }

    /// Requests sent and neither answered in full nor failed, including those waiting for
    /// an invocation to start and those cancelled (a function serves them all the same).
    var requestsOutstanding: Int {
        self.outstanding.load(ordering: .acquiring)
    }

    /// Ends the running invocation, if any; waiting and later requests fail.
    func close() async {
        let (current, waiters) = self.state.withLock { $0.close() }
        current?.end()
        self.fail(waiters, with: self.closedError)
    }

    /// Invokes the function briefly, unless an invocation is running: the provider keeps
    /// an instance that is invoked regularly.
    func warmUp() async throws {
        let (invocation, started) = try await self.invocation(payload: .warmUp)
        if started {
            invocation.end()
        }
    }

    /// The running invocation, or a new one with `payload` once it has started; `started`
    /// tells the caller that started it (and so decides when it ends) from those that
    /// joined it.
    func invocation(payload: InvocationPayload) async throws -> (invocation: any FunctionInvocation, started: Bool) {
        try await withCheckedThrowingContinuation { continuation in
            switch self.next(for: .caller(continuation), payload: payload) {
            case .running(let invocation):
                continuation.resume(returning: (invocation, false))
            case .waiting:
                break
            case .closed:
                continuation.resume(throwing: self.closedError)
            }
        }
    }

    private func dispatch(_ request: FunctionRequest) {
        switch self.next(for: .request(request), payload: .serve) {
        case .running(let invocation):
            request.send(on: invocation) { self.dispatch(request) }
        case .waiting:
            break
        case .closed:
            request.fail(self.closedError)
        }
    }

    /// Routes `waiter`: to the running invocation (checked outside the lock), or into
    /// the wait for one, starting it with `payload` if nothing is starting yet.
    private func next(for waiter: Waiter, payload: InvocationPayload) -> Next {
        while true {
            switch self.state.withLock({ $0.route(waiter) }) {
            case .closed:
                return .closed
            case .check(let invocation, let generation):
                if invocation.isRunning {
                    return .running(invocation)
                }
                self.state.withLock { $0.stopped(generation) }
            case .wait:
                return .waiting
            case .start:
                self.start(payload: payload)
                return .waiting
            }
        }
    }

    private func start(payload: InvocationPayload) {
        Task {
            let invocation: any FunctionInvocation
            do {
                invocation = try await self.platform.invoke(self.function, payload: payload)
            } catch {
                self.fail(self.state.withLock { $0.startFailed() }, with: error)
                return
            }
            guard let (previous, waiters) = self.state.withLock({ $0.started(invocation) }) else {
                invocation.end()
                return
            }
            await self.ledger.invoked(invocation, replacing: previous)
            // Requests first, in the order they came, including those that came while
            // these were sent: each is counted by the instance as it is sent, so a warm-up
            // caller that ends its invocation at once ends it after them.
            var callers: [CheckedContinuation<(invocation: any FunctionInvocation, started: Bool), any Error>] = []
            var batch = waiters
            while !batch.isEmpty {
                guard invocation.isRunning else {
                    // It ended before its waiters were all handed over (a platform on real
                    // time returned it idle meanwhile): the requests go to the next one.
                    for waiter in batch + self.state.withLock({ $0.handOverAbandoned() }) {
                        switch waiter {
                        case .request(let request): request.retryElsewhere { self.dispatch(request) }
                        case .caller(let continuation): callers.append(continuation)
                        }
                    }
                    break
                }
                for waiter in batch {
                    switch waiter {
                    case .request(let request): request.send(on: invocation) { self.dispatch(request) }
                    case .caller(let continuation): callers.append(continuation)
                    }
                }
                batch = self.state.withLock { $0.handedOver() }
            }
            // Callers get the invocation even if it has ended: they act on it as on one
            // that ended right after.
            let starter: Int? = if case .caller = waiters.first { 0 } else { nil }
            for (index, continuation) in callers.enumerated() {
                continuation.resume(returning: (invocation, index == starter))
            }
        }
    }

    private func fail(_ waiters: [Waiter], with error: any Error) {
        for waiter in waiters {
            switch waiter {
            case .request(let request): request.fail(error)
            case .caller(let continuation): continuation.resume(throwing: error)
            }
        }
    }

    private var closedError: TransportError {
        TransportError(.connectionClosed, "the transport to \(self.function) is closed")
    }
}
