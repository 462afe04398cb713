public import ChunkWire
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

    /// Answers `request` at once with a single response, or returns nil to take the
    /// asynchronous path through ``respond(to:replies:)``. Transports call it first, on
    /// the connection's own thread and without starting a task, so it must be quick and
    /// never block: an in-memory lookup, not I/O. The default returns nil.
    func respondImmediately(to request: Frame) -> Frame?
}

extension FrameResponder {
    public func respondImmediately(to request: Frame) -> Frame? {
        nil
    }
}

/// Where a ``FrameResponder`` writes the responses to one request. The sink sets each
/// response's request id and ``FrameFlags/more`` flag; after the final response, or once
/// the request is cancelled, further sends are dropped.
public final class ReplySink: Sendable {
    private let requestID: UInt64
    private let deliver: @Sendable (Frame) async throws -> Void
    private let finished = Mutex(false)

    /// Creates a sink for request `requestID` that hands finished frames to `deliver`.
    /// Transport implementations create sinks; responders only use them.
    public init(requestID: UInt64, deliver: @escaping @Sendable (Frame) async throws -> Void) {
        self.requestID = requestID
        self.deliver = deliver
    }

    /// Sends one response. Set `final` to false when more responses will follow.
    public func send(_ response: Frame, final: Bool = true) async throws {
        let alreadyFinished = self.finished.withLock { finished in
            defer { finished = finished || final }
            return finished
        }
        guard !alreadyFinished, !Task.isCancelled else {
            return
        }
        try await self.deliver(response.numbered(self.requestID, final: final))
    }

    /// Whether the final response has been sent.
    public var isFinished: Bool {
        self.finished.withLock { $0 }
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
