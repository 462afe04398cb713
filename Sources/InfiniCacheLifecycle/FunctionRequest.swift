import ChunkTransport
import ChunkWire
import FunctionPlatform
import Synchronization

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
