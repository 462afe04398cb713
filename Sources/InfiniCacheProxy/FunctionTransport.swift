import ChunkTransport
import ChunkWire
import FunctionPlatform
import Synchronization

/// The proxy's way to one function: a ``NodeTransport`` that invokes the function when no
/// invocation is running (requests wait meanwhile, and concurrent ones share the
/// invocation), and retries once, on the next invocation, a request whose instance
/// returned or was reclaimed before it answered.
final class FunctionTransport: NodeTransport {
    let function: String
    private let platform: any FunctionPlatform
    private let ledger: LifecycleLedger

    private struct State {
        var isClosed = false
        /// The latest invocation; its instance is where the mapped chunks were last seen.
        var current: (any FunctionInvocation)?
        var starting: Task<any FunctionInvocation, any Error>?
    }

    private let state = Mutex(State())

    init(function: String, platform: any FunctionPlatform, ledger: LifecycleLedger) {
        self.function = function
        self.platform = platform
        self.ledger = ledger
    }

    func send(_ request: Frame) -> FrameResponses {
        self.responses(to: request, attempts: 2)
    }

    /// Sends by callback straight to the running invocation, if there is one. Starting an
    /// invocation, and the one retry of a request whose instance went away before it
    /// answered, take a task.
    func send(_ request: Frame, onResponse: @escaping ResponseHandler) -> PendingRequest {
        let running = self.state.withLock { state -> (any FunctionInvocation)? in
            guard !state.isClosed, let current = state.current, current.isRunning else { return nil }
            return current
        }
        guard let running else {
            return self.send(request).deliver(to: onResponse)
        }
        let progress = Mutex((answered: false, cancelled: false, retry: PendingRequest?.none))
        let first = running.transport.send(request) { result in
            let retries = progress.withLock { progress in
                guard !progress.answered, case .failure(let error as TransportError) = result, error.code == .connectionClosed else {
                    progress.answered = true
                    return false
                }
                return true
            }
            guard retries else {
                onResponse(result)
                return
            }
            let retry = self.responses(to: request, attempts: 1).deliver(to: onResponse)
            let cancelled = progress.withLock { progress in
                progress.retry = retry
                return progress.cancelled
            }
            if cancelled {
                retry.cancel()
            }
        }
        return PendingRequest {
            let retry = progress.withLock { progress in
                progress.cancelled = true
                return progress.retry
            }
            first.cancel()
            retry?.cancel()
        }
    }

    /// The responses to `request`, sent to the running invocation or a new one, and sent
    /// again — up to `attempts` times in all — on the next invocation if its instance
    /// returned or was reclaimed before it answered (the backup, after a reclaim).
    private func responses(to request: Frame, attempts: Int) -> FrameResponses {
        FrameResponses.produced { continuation in
            for attempt in 0..<attempts {
                var answered = false
                do {
                    let invocation = try await self.invocation(payload: .serve).invocation
                    for try await response in invocation.transport.send(request) {
                        answered = true
                        continuation.yield(response)
                    }
                    return
                } catch let error as TransportError where error.code == .connectionClosed && !answered && attempt < attempts - 1 {
                    continue
                }
            }
        }
    }

    /// Ends the running invocation, if any; later requests fail.
    func close() async {
        let current = self.state.withLock { state in
            state.isClosed = true
            return state.current
        }
        current?.end()
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
        enum Next {
            case running(any FunctionInvocation)
            case starting(Task<any FunctionInvocation, any Error>, started: Bool)
        }
        let next: Next? = self.state.withLock { state in
            if state.isClosed {
                return nil
            }
            if let current = state.current, current.isRunning {
                return .running(current)
            }
            if let starting = state.starting {
                return .starting(starting, started: false)
            }
            let starting = Task<any FunctionInvocation, any Error> {
                do {
                    let invocation = try await self.platform.invoke(self.function, payload: payload)
                    await self.adopt(invocation)
                    return invocation
                } catch {
                    self.state.withLock { $0.starting = nil }
                    throw error
                }
            }
            state.starting = starting
            return .starting(starting, started: true)
        }
        switch next {
        case nil:
            throw TransportError(.connectionClosed, "the transport to \(self.function) is closed")
        case .running(let invocation):
            return (invocation, false)
        case .starting(let task, let started):
            return (try await task.value, started)
        }
    }

    private func adopt(_ invocation: any FunctionInvocation) async {
        let previous = self.state.withLock { state in
            defer {
                state.current = invocation
                state.starting = nil
            }
            return state.current?.instanceID
        }
        await self.ledger.invoked(invocation, replacing: previous)
    }
}
