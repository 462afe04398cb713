public import ChunkWire

/// The serving side of a connection: what a cache node does with the proxy's requests, or
/// the proxy with a client's. Transports call it once per request, concurrently.
public protocol FrameResponder: Sendable {
    /// Answers `request` through `replies`: zero or more intermediate responses, then a
    /// final one (see ``ReplySink/post(_:final:)``).
    ///
    /// Transports call this on their own thread (a connection's event loop; the sender's,
    /// in process), so it must be quick and never block: an in-memory look-up, or
    /// requests sent on with ``FrameTransport/send(_:onResponse:)`` whose callbacks post
    /// the answer later. Work that awaits — a stream of pages, a report to encode —
    /// goes through ``ReplySink/run(_:)``, which starts a task and guarantees a final
    /// response. Otherwise the responder must post a final response unless the request
    /// is cancelled (see ``ReplySink/onCancel(_:)``), or the requester waits for ever.
    func respond(to request: Frame, replies: ReplySink)
}
