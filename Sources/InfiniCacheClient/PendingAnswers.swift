import ChunkTransport
import ChunkWire
import Synchronization

/// Single-answer requests sent all at once, and the wait for every answer: how a client
/// stores an object's chunks. Each answer is checked where it arrives, so the waiting
/// task wakes once, not once per request; the first failure ends the wait and cancels
/// the requests still in flight.
final class PendingAnswers: Sendable {
    private struct State {
        var remaining: Int
        var requests: [PendingRequest] = []
        var waiter: CheckedContinuation<Void, any Error>?
        var result: Result<Void, any Error>?
        /// The last answer `check` accepted.
        var lastAnswer: Frame?
    }

    private let check: @Sendable (Frame) throws -> Void
    private let state: Mutex<State>

    private init(count: Int, check: @escaping @Sendable (Frame) throws -> Void) {
        self.check = check
        self.state = Mutex(State(remaining: count, result: count == 0 ? .success(()) : nil))
    }

    /// Sends each of `requests` through the transport `connection` gives, and returns
    /// once `check` has accepted every answer. Throws the first error: a failed request,
    /// or what `check` throws; cancelling the task, or the deadline of the client
    /// operation it runs passing, cancels the requests (`CancellationError`).
    static func exchange(
        _ requests: [Frame],
        over connection: () -> any FrameTransport,
        check: @escaping @Sendable (Frame) throws -> Void
    ) async throws {
        try await PendingAnswers(count: requests.count, check: check).send(requests, over: connection)
    }

    /// Sends `request` through the transport `connection` gives and returns its answer
    /// (an error frame included). Throws as ``exchange(_:over:check:)``.
    static func answer(to request: Frame, over connection: () -> any FrameTransport) async throws -> Frame {
        let answers = PendingAnswers(count: 1) { _ in }
        try await answers.send([request], over: connection)
        guard let answer = answers.state.withLock({ $0.lastAnswer }) else {
            throw TransportError(.connectionClosed, "the request ended without an answer")
        }
        return answer
    }

    private func send(_ requests: [Frame], over connection: () -> any FrameTransport) async throws {
        try await withOperationCancellation {
            try await withCheckedThrowingContinuation { waiter in
                self.wait(with: waiter)
                for request in requests {
                    self.track(connection().request(request, onAnswer: self.take))
                }
            }
        } onCancel: {
            self.conclude(.failure(CancellationError()))
        }
    }

    private func wait(with waiter: CheckedContinuation<Void, any Error>) {
        let result = self.state.withLock { state in
            if state.result == nil {
                state.waiter = waiter
            }
            return state.result
        }
        if let result {
            waiter.resume(with: result)
        }
    }

    private func track(_ request: PendingRequest) {
        let isOver = self.state.withLock { state in
            if state.result == nil {
                state.requests.append(request)
            }
            return state.result != nil
        }
        if isOver {
            request.cancel()
        }
    }

    @Sendable private func take(_ answer: Result<Frame, any Error>) {
        do {
            try self.check(try answer.get())
        } catch {
            self.conclude(.failure(error))
            return
        }
        let isLast = self.state.withLock { state in
            state.lastAnswer = try? answer.get()
            state.remaining -= 1
            return state.remaining == 0
        }
        if isLast {
            self.conclude(.success(()))
        }
    }

    /// Ends the wait with `result`, unless it has ended; a failure cancels the requests.
    private func conclude(_ result: Result<Void, any Error>) {
        let ending = self.state.withLock { state -> (CheckedContinuation<Void, any Error>?, [PendingRequest])? in
            guard state.result == nil else { return nil }
            state.result = result
            defer {
                state.waiter = nil
                state.requests = []
            }
            return (state.waiter, state.requests)
        }
        guard let (waiter, requests) = ending else { return }
        if case .failure = result {
            for request in requests {
                request.cancel()
            }
        }
        waiter?.resume(with: result)
    }
}
