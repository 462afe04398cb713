public import ChunkTransport
public import ChunkWire
import InfiniCacheProxy
import InfiniCacheStatistics

/// What clients of a proxy whose nodes are serverless functions are served by: every
/// request goes to the proxy, and the answer to `stats` carries the
/// ``FunctionLifecycle``'s counters and bill beside the proxy's figures. The proxy knows
/// nothing of functions; this responder puts the two together.
public struct LifecycleResponder: FrameResponder {
    private let proxy: InfiniCacheProxy
    private let lifecycle: FunctionLifecycle

    init(proxy: InfiniCacheProxy, lifecycle: FunctionLifecycle) {
        self.proxy = proxy
        self.lifecycle = lifecycle
    }

    /// Passes `request` to the proxy, unless it is `stats`: that is answered with the
    /// proxy's statistics and ``FunctionLifecycle/report()``, encoded in a task.
    public func respond(to request: Frame, replies: ReplySink) {
        guard request.opcode == .stats else {
            self.proxy.respond(to: request, replies: replies)
            return
        }
        var statistics = self.proxy.statistics()
        statistics.lifecycle = self.lifecycle.report()
        replies.run { [statistics] replies in
            try await replies.send(statistics.frame())
        }
    }
}
