public import ChunkTransport
public import ChunkWire

/// Delays every response of a node: a straggler for first-d tests and benchmarks. Wrap a
/// node's responder in it — in a ``LocalCluster``, an `InProcessLauncher`'s `wrap`, or
/// `infinicache-node --respond-delay-ms`.
public struct DelayedResponder: FrameResponder {
    private let base: any FrameResponder
    private let delay: Duration
    private let opcodes: Set<Opcode>?

    /// Wraps `base`, handing it each request `delay` late — only requests of `opcodes`,
    /// when given (a node that stores promptly and is slow to read, say), the others at once.
    public init(base: any FrameResponder, delay: Duration, opcodes: Set<Opcode>? = nil) {
        self.base = base
        self.delay = delay
        self.opcodes = opcodes
    }

    /// Hands `request` to the wrapped responder after the delay, unless the request is
    /// cancelled first; from then on the wrapped responder answers it.
    public func respond(to request: Frame, replies: ReplySink) {
        guard self.opcodes?.contains(request.opcode) ?? true else {
            self.base.respond(to: request, replies: replies)
            return
        }
        let delayed = Task {
            try await Task.sleep(for: self.delay)
            self.base.respond(to: request, replies: replies)
        }
        replies.onCancel { delayed.cancel() }
    }
}
