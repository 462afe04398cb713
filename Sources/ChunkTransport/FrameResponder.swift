public import ChunkWire
public import NIOCore
import Synchronization

/// The serving side of a connection: what a cache node does with the proxy's requests, or
/// the proxy with a client's. Transports call it once per request, concurrently.
public protocol FrameResponder: Sendable {
    /// Answers `request` through `replies`: zero or more intermediate responses, then a
    /// final one. Throwing an ``ErrorMessage`` sends it as an error frame; any other error
    /// is sent as an `internalError`; returning without a final response sends an
    /// `internalError` too, so a requester never waits forever. The task is cancelled when
    /// the requester cancels the request or the connection closes.
    func respond(to request: Frame, replies: ReplySink) async throws

    /// Starts answering `request` without a task, or returns false to take the
    /// asynchronous path through ``respond(to:replies:)``. Transports call it first, on
    /// their own thread (a connection's event loop; the sender's, in process), so it must
    /// be quick and never block: an in-memory
    /// lookup, or requests sent on with ``NodeTransport/send(_:onResponse:)``, not I/O
    /// awaited in place. A responder that returns true answers through
    /// ``ReplySink/post(_:final:)`` — at once, or later from callbacks — and must post a
    /// final response unless the request is cancelled (see ``ReplySink/onCancel(_:)``).
    /// Answering this way saves a task and two thread hops per request. The default
    /// returns false.
    func respondInline(to request: Frame, replies: ReplySink) -> Bool
}

extension FrameResponder {
    public func respondInline(to request: Frame, replies: ReplySink) -> Bool {
        false
    }
}

/// Where a ``FrameResponder`` writes the responses to one request. The sink sets each
/// response's request id and ``FrameFlags/more`` flag; after the final response, or once
/// the request is cancelled, further sends are dropped.
public final class ReplySink: Sendable {
    private struct State {
        var isFinished = false
        var isCancelled = false
        var onCancel: (@Sendable () -> Void)?
        /// The responder's task, unless it answers inline.
        var task: Task<Void, Never>?
    }

    private let requestID: UInt64
    private let deliver: @Sendable (Frame) -> EventLoopFuture<Void>?
    private let state = Mutex(State())

    /// Creates a sink for request `requestID` that hands finished frames to `deliver`, in
    /// the order they are sent. `deliver` returns a future to wait on before sending more
    /// (while the connection's buffers are full), or nil. Transport implementations
    /// create sinks; responders only use them.
    public init(requestID: UInt64, deliver: @escaping @Sendable (Frame) -> EventLoopFuture<Void>?) {
        self.requestID = requestID
        self.deliver = deliver
    }

    /// Sends one response and waits while the connection has no room for more. Set
    /// `final` to false when more responses will follow.
    public func send(_ response: Frame, final: Bool = true) async throws {
        guard !Task.isCancelled else {
            return
        }
        try await self.post(response, final: final)?.get()
    }

    /// Sends one response without waiting: for responders that answer inline (see
    /// ``FrameResponder/respondInline(to:replies:)``). Responses leave in the order of
    /// the calls. Returns what ``send(_:final:)`` would wait for.
    @discardableResult
    public func post(_ response: Frame, final: Bool = true) -> EventLoopFuture<Void>? {
        let dropped = self.state.withLock { state in
            defer {
                if final {
                    state.isFinished = true
                    // Nothing can cancel a finished request: let the handler (and what it
                    // holds, often this sink) go.
                    state.onCancel = nil
                }
            }
            return state.isFinished || state.isCancelled
        }
        guard !dropped else {
            return nil
        }
        return self.deliver(response.numbered(self.requestID, final: final))
    }

    /// Whether the final response has been sent.
    public var isFinished: Bool {
        self.state.withLock { $0.isFinished }
    }

    /// Runs `handler` once if the requester cancels the request or the connection
    /// closes before the final response: at once if that has already happened. An inline
    /// responder stops its work there; a task-based one is cancelled anyway.
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

    /// Has `responder` answer `request` through this sink: inline when it can, otherwise
    /// in a task of its own. Transports call it once per request.
    func answer(_ request: Frame, with responder: any FrameResponder) {
        guard !responder.respondInline(to: request, replies: self) else {
            return
        }
        let task = Task {
            await self.serve(request, with: responder)
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

    /// Marks the request cancelled: later responses are dropped, and the responder's task
    /// is cancelled or its cancellation handler runs.
    func cancel() {
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

    /// Runs `responder` on `request` and guarantees a final response: the responder's own,
    /// its thrown error as an error frame, or an internal error if it sent none.
    func serve(_ request: Frame, with responder: any FrameResponder) async {
        do {
            try await responder.respond(to: request, replies: self)
            if !self.isFinished {
                try await self.send(ErrorMessage(.internalError, "the responder sent no final response to \(request.opcode)").frame(requestID: 0))
            }
        } catch {
            let message = (error as? ErrorMessage) ?? ErrorMessage(.internalError, "\(error)")
            try? await self.send(message.frame(requestID: 0))
        }
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
