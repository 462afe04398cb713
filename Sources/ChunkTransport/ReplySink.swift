public import ChunkWire
public import NIOCore
import Synchronization

/// Where a ``FrameResponder`` writes the responses to one request. The sink sets each
/// response's request id and ``FrameFlags/more`` flag; after the final response, or once
/// the request is cancelled, further responses are dropped.
public final class ReplySink: Sendable {
    private struct State {
        var isFinished = false
        var isCancelled = false
        var onCancel: (@Sendable () -> Void)?
        var observer: (@Sendable (Frame, _ final: Bool) -> Void)?
        /// The task ``ReplySink/run(_:)`` started, if any.
        var task: Task<Void, Never>?
    }

    private let requestID: UInt64
    private let deliver: @Sendable (Frame) -> EventLoopFuture<Void>?
    private let state = Mutex(State())
    /// Open while the connection can take more output.
    public let output: OutputGate

    /// Creates a sink for request `requestID` that hands finished frames to `deliver`, in
    /// the order they are posted. `deliver` returns a future to wait on before sending
    /// more (while the connection's buffers are full), or nil. `output` tells responders
    /// whether the connection can take more now. Transport implementations create sinks;
    /// responders only use them.
    public init(requestID: UInt64, output: OutputGate = .alwaysOpen, deliver: @escaping @Sendable (Frame) -> EventLoopFuture<Void>?) {
        self.requestID = requestID
        self.output = output
        self.deliver = deliver
    }

    /// Sends one response without waiting; responses leave in the order of the calls.
    /// Set `final` to false when more responses will follow. Returns a future that
    /// completes when the connection has room for more, or nil if it has room now.
    @discardableResult
    public func post(_ response: Frame, final: Bool = true) -> EventLoopFuture<Void>? {
        let (dropped, observer) = self.state.withLock { state in
            defer {
                if final {
                    state.isFinished = true
                    // Nothing can cancel a finished request: let the handlers (and what
                    // they hold, often this sink) go.
                    state.onCancel = nil
                    state.observer = nil
                }
            }
            return (state.isFinished || state.isCancelled, state.observer)
        }
        guard !dropped else {
            return nil
        }
        observer?(response, final)
        return self.deliver(response.numbered(self.requestID, final: final))
    }

    /// Sends one response and waits while the connection has no room for more: for work
    /// started with ``run(_:)`` that streams many responses. Does nothing once the task
    /// is cancelled.
    public func send(_ response: Frame, final: Bool = true) async throws {
        guard !Task.isCancelled else {
            return
        }
        try await self.post(response, final: final)?.get()
    }

    /// Whether the final response has been sent.
    public var isFinished: Bool {
        self.state.withLock { $0.isFinished }
    }

    /// Calls `observer` with every response posted from now on, before it is sent, and
    /// whether it is the final one: for counting what a responder sends. A later call
    /// replaces the observer.
    public func observe(_ observer: @escaping @Sendable (Frame, _ final: Bool) -> Void) {
        self.state.withLock { $0.observer = observer }
    }

    /// Runs `handler` once if the requester cancels the request or the connection
    /// closes before the final response: at once if that has already happened. A
    /// responder waiting on callbacks stops its work there. A later call replaces the
    /// handler.
    public func onCancel(_ handler: @escaping @Sendable () -> Void) {
        let alreadyCancelled = self.state.withLock { state in
            if !state.isCancelled, !state.isFinished {
                state.onCancel = handler
            }
            return state.isCancelled
        }
        if alreadyCancelled {
            handler()
        }
    }

    /// Answers in a task of its own, for work that awaits. `work` sends through the sink
    /// it is given (with ``send(_:final:)``, which waits for room); the sink guarantees a
    /// final response: `work`'s own, a thrown `ErrorMessage` as an error frame, any other
    /// error as an `internalError`, or an `internalError` if `work` returns without one.
    /// Cancelling the request cancels the task.
    public func run(_ work: @escaping @Sendable (ReplySink) async throws -> Void) {
        let task = Task {
            do {
                try await work(self)
                if !self.isFinished {
                    self.post(ErrorMessage(.internalError, "the responder sent no final response").frame(requestID: 0))
                }
            } catch {
                let message = (error as? ErrorMessage) ?? ErrorMessage(.internalError, "\(error)")
                self.post(message.frame(requestID: 0))
            }
        }
        let isCancelled = self.state.withLock { state in
            if !state.isCancelled {
                state.task = task
            }
            return state.isCancelled
        }
        if isCancelled {
            task.cancel()
        }
    }

    /// Marks the request cancelled: later responses are dropped, and the task that
    /// ``run(_:)`` started is cancelled or the cancellation handler runs. Transports call
    /// it when the requester cancels or the connection closes.
    package func cancel() {
        let (handler, task) = self.state.withLock { state -> ((@Sendable () -> Void)?, Task<Void, Never>?) in
            guard !state.isCancelled, !state.isFinished else { return (nil, nil) }
            state.isCancelled = true
            defer {
                state.onCancel = nil
                state.task = nil
            }
            return (state.onCancel, state.task)
        }
        task?.cancel()
        handler?()
    }
}

extension Frame {
    /// This response as the answer to request `requestID`: its id set, and
    /// ``FrameFlags/more`` set unless it is the request's final response.
    func numbered(_ requestID: UInt64, final: Bool) -> Frame {
        var response = self.withRequestID(requestID)
        if final {
            response.flags.remove(.more)
        } else {
            response.flags.insert(.more)
        }
        return response
    }
}
