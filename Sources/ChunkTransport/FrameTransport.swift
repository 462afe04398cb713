public import ChunkWire

/// Receives the responses to a request sent with ``FrameTransport/send(_:onResponse:)``:
/// each response in order, the last one without ``FrameFlags/more``; or, instead of the
/// rest, one failure — a ``TransportError`` if the connection fails first, or a
/// `WireError` with code `checksumMismatch` if a response's payload is corrupt (that
/// request only). A request ends with its last response or its failure; a handler ignores
/// anything that might race past that end (a close meeting a response on its way), as it
/// ignores what arrives after it cancelled.
public typealias ResponseHandler = @Sendable (Result<Frame, any Error>) -> Void

/// How one party sends framed requests to another: the proxy to a cache node, a client
/// to a proxy. Many requests are in flight at once, each with its own responses, each
/// cancellable.
///
/// Conform to plug in another transport; the one requirement is the callback form of
/// sending. The stream form (``send(_:)``) and the single-answer forms
/// (``request(_:)``, ``request(_:onAnswer:)``) are built on it. The semantics every
/// implementation keeps:
/// - ``send(_:onResponse:)`` assigns the request a fresh request id (the caller's is
///   ignored) and hands every response to the handler where it arrives, on a thread of
///   the transport's — so handlers must be quick and never block;
/// - responses arrive with that id and end with one that lacks ``FrameFlags/more``;
/// - cancelling the returned ``PendingRequest`` stops delivery promptly (a response
///   already on its way may still arrive) and tells the responder to drop the request;
/// - ``close()`` or a lost connection fails every outstanding request promptly with a
///   ``TransportError``, and later sends fail the same way.
public protocol FrameTransport: Sendable {
    /// Sends `request` and hands each of its responses, or its failure, to `onResponse`.
    func send(_ request: Frame, onResponse: @escaping ResponseHandler) -> PendingRequest

    /// Closes the connection; outstanding and later requests fail with
    /// ``TransportError/Code-swift.struct/connectionClosed``.
    func close() async
}
