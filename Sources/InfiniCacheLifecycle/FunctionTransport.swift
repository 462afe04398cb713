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

    init(function: String, platform: any FunctionPlatform, ledger: LifecycleLedger) {
        self.function = function
        self.platform = platform
        self.ledger = ledger
    }

    /// Sends straight to the running invocation where there is one; otherwise the
    /// request waits for the invocation being started.
    func send(_ request: Frame, onResponse: @escaping ResponseHandler) -> PendingRequest {
        let request = FunctionRequest(request, onResponse: onResponse, attempts: 2)
        self.dispatch(request)
        return PendingRequest { request.cancel() }
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
            let (previous, waiters) = self.state.withLock { $0.started(invocation) }
            await self.ledger.invoked(invocation, replacing: previous)
            for (index, waiter) in waiters.enumerated() {
                switch waiter {
                case .request(let request):
                    request.send(on: invocation) { self.dispatch(request) }
                case .caller(let continuation):
                    continuation.resume(returning: (invocation, index == 0))
                }
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

/// One request to a function, across its attempts: sent to an invocation, and sent once
/// more (through `retry`) if that invocation's instance went away before it answered.
final class FunctionRequest: Sendable {
    private struct State {
        var attemptsLeft: Int
        /// A response came: a later failure is passed on, not retried.
        var isAnswered = false
        /// The final response or the failure was passed on.
        var isFinished = false
        var isCancelled = false
        var pending: PendingRequest?
    }

    private let request: Frame
    private let onResponse: ResponseHandler
    private let state: Mutex<State>

    init(_ request: Frame, onResponse: @escaping ResponseHandler, attempts: Int) {
        self.request = request
        self.onResponse = onResponse
        self.state = Mutex(State(attemptsLeft: attempts))
    }

    /// Sends the request to `invocation`; calls `retry` instead of passing on a
    /// `connectionClosed` failure that came before any response while attempts are left.
    func send(on invocation: any FunctionInvocation, retry: @escaping @Sendable () -> Void) {
        let attempt = self.state.withLock { $0.attemptsLeft }
        let pending = invocation.transport.send(self.request) { result in
            let retries = self.state.withLock { state -> Bool? in
                guard !state.isCancelled, !state.isFinished else { return nil }
                if case .failure(let error as TransportError) = result, error.code == .connectionClosed, !state.isAnswered, state.attemptsLeft > 1 {
                    state.attemptsLeft -= 1
                    state.pending = nil
                    return true
                }
                state.isAnswered = true
                state.isFinished = (try? result.get())?.flags.contains(.more) != true
                return false
            }
            switch retries {
            case true?: retry()
            case false?: self.onResponse(result)
            case nil: break
            }
        }
        // Kept for cancelling unless this attempt is already over (answered in full, or
        // retried from inside `send`).
        let isCancelled = self.state.withLock { state in
            if !state.isCancelled, !state.isFinished, state.attemptsLeft == attempt {
                state.pending = pending
            }
            return state.isCancelled
        }
        if isCancelled {
            pending.cancel()
        }
    }

    /// Fails the request unless it was cancelled.
    func fail(_ error: any Error) {
        let isOver = self.state.withLock { state in
            defer { state.isFinished = true }
            return state.isCancelled || state.isFinished
        }
        if !isOver {
            self.onResponse(.failure(error))
        }
    }

    func cancel() {
        let pending = self.state.withLock { state in
            state.isCancelled = true
            defer { state.pending = nil }
            return state.pending
        }
        pending?.cancel()
    }
}
