import ChunkTransport
import ChunkWire
import FunctionPlatform
import Synchronization

/// One request to a function, across its attempts: sent to an invocation, and sent once
/// more (through `retry`) if that invocation's instance went away before it answered.
/// Every request ends with exactly one final response or failure passed on.
final class FunctionRequest: Sendable {
    private struct State {
        var attemptsLeft: Int
        /// A response came: a later failure is passed on, not retried.
        var isAnswered = false
        /// The final response or the failure was passed on.
        var isFinished = false
    }

    private let request: Frame
    private let onResponse: ResponseHandler
    private let state: Mutex<State>

    init(_ request: Frame, attempts: Int, onResponse: @escaping ResponseHandler) {
        self.request = request
        self.onResponse = onResponse
        self.state = Mutex(State(attemptsLeft: attempts))
    }

    /// Sends the request to `invocation`; calls `retry` instead of passing on a
    /// `connectionClosed` failure that came before any response while attempts are left.
    func send(on invocation: any FunctionInvocation, retry: @escaping @Sendable () -> Void) {
        _ = invocation.transport.send(self.request) { result in
            let retries = self.state.withLock { state -> Bool? in
                guard !state.isFinished else { return nil }
                if case .failure(let error as TransportError) = result, error.code == .connectionClosed, !state.isAnswered, state.attemptsLeft > 1 {
                    state.attemptsLeft -= 1
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
    }

    /// The invocation it waited for ended before it was sent there: calls `retry` as for
    /// a failed attempt, or, with no attempt left, fails it.
    func retryElsewhere(_ retry: @escaping @Sendable () -> Void) {
        let retries = self.state.withLock { state -> Bool? in
            guard !state.isFinished else { return nil }
            guard state.attemptsLeft > 1 else { return false }
            state.attemptsLeft -= 1
            return true
        }
        switch retries {
        case true?: retry()
        case false?: self.fail(TransportError(.connectionClosed, "every invocation this request waited for ended before it was sent"))
        case nil: break
        }
    }

    /// Fails the request unless it has finished.
    func fail(_ error: any Error) {
        let isOver = self.state.withLock { state in
            defer { state.isFinished = true }
            return state.isFinished
        }
        if !isOver {
            self.onResponse(.failure(error))
        }
    }
}
