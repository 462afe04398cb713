public import ChunkWire

/// The responses to one request, in the order the responder sent them. The sequence ends
/// after the response without ``FrameFlags/more``; it throws a ``TransportError`` if the
/// connection fails first, or a ``WireError`` with code `checksumMismatch` if a response's
/// payload is corrupt (that request only). Ending iteration early — or cancelling the task
/// that iterates — cancels the request and frees its resources at once.
public typealias FrameResponses = AsyncThrowingStream<Frame, any Error>

/// How the proxy talks to one cache node (and a client to a proxy): many requests in
/// flight at once, each with its own stream of responses, each cancellable.
///
/// Conform to plug in another transport. The semantics every implementation keeps:
/// - ``send(_:)`` assigns the request a fresh request id (the caller's is ignored);
/// - responses arrive with that id and end with one that lacks ``FrameFlags/more``;
/// - cancelling a request stops delivery immediately and tells the responder to drop it;
/// - ``close()`` or a lost connection fails every outstanding request promptly with a
///   ``TransportError``, and later sends fail the same way.
public protocol NodeTransport: Sendable {
    /// Sends `request` and returns its responses as they arrive.
    func send(_ request: Frame) -> FrameResponses

    /// Closes the connection; outstanding and later requests fail with
    /// ``TransportError/Code-swift.struct/connectionClosed``.
    func close() async
}

extension NodeTransport {
    /// Sends a request that has exactly one response and returns it. If the responder
    /// streams more than one, the first is returned and the rest are cancelled.
    public func request(_ frame: Frame) async throws -> Frame {
        for try await response in self.send(frame) {
            return response
        }
        throw TransportError(.connectionClosed, "the response stream ended without a response")
    }
}
