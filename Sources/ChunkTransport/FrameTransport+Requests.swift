public import ChunkWire
import Synchronization

/// The responses to one request, in the order the responder sent them. The sequence ends
/// after the response without ``FrameFlags/more``, or throws what the request failed
/// with (see ``ResponseHandler``). Ending iteration early — or cancelling the task that
/// iterates — cancels the request.
public typealias FrameResponses = AsyncThrowingStream<Frame, any Error>

extension FrameTransport {
    /// Sends `request` and returns its responses as an async sequence.
    public func send(_ request: Frame) -> FrameResponses {
        let (responses, continuation) = FrameResponses.makeStream()
        // Set before sending: a transport may deliver every response inside `send`, and a
        // stream that already ended must not cancel its request.
        let cancellation = Mutex<(pending: PendingRequest?, isCancelled: Bool)>((nil, false))
        continuation.onTermination = { termination in
            guard case .cancelled = termination else { return }
            cancellation.withLock { state in
                state.isCancelled = true
                return state.pending
            }?.cancel()
        }
        let pending = self.send(request) { result in
            switch result {
            case .success(let response):
                continuation.yield(response)
                if !response.flags.contains(.more) {
                    continuation.finish()
                }
            case .failure(let error):
                continuation.finish(throwing: error)
            }
        }
        let isCancelled = cancellation.withLock { state in
            state.pending = pending
            return state.isCancelled
        }
        if isCancelled {
            pending.cancel()
        }
        return responses
    }

    /// Sends a request that has exactly one response and hands it — or the request's
    /// failure — to `onAnswer`, once, where it arrives (as with
    /// ``send(_:onResponse:)``). If the responder streams more than one, the rest are
    /// ignored.
    public func request(_ frame: Frame, onAnswer: @escaping ResponseHandler) -> PendingRequest {
        let answered = Atomic(false)
        return self.send(frame) { result in
            if !answered.exchange(true, ordering: .relaxed) {
                onAnswer(result)
            }
        }
    }

    /// Sends a request that has exactly one response and returns it. If the responder
    /// streams more than one, the first is returned and the rest are cancelled.
    ///
    /// - Throws: what the request failed with (see ``ResponseHandler``), or a
    ///   ``TransportError`` if the responses ended without one.
    public func request(_ frame: Frame) async throws -> Frame {
        for try await response in self.send(frame) {
            return response
        }
        throw TransportError(.connectionClosed, "the response stream ended without a response")
    }
}
