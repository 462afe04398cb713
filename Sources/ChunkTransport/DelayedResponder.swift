public import ChunkWire

/// Delays every response of a node: a straggler for first-d tests and benchmarks.
public struct DelayedResponder: FrameResponder {
    let base: any FrameResponder
    let delay: Duration

    /// Wraps `base`, answering each request `delay` late.
    public init(base: any FrameResponder, delay: Duration) {
        self.base = base
        self.delay = delay
    }

    public func respond(to request: Frame, replies: ReplySink) async throws {
        try await Task.sleep(for: self.delay)
        try await self.base.respond(to: request, replies: replies)
    }
}
