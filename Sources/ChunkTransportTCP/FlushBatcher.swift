import NIOCore

/// Turns the flushes of one event-loop tick into one: the first flush is put off until
/// the loop has run what is already queued, and the flushes that arrive meanwhile join
/// it. Frames written from other threads (a proxy forwarding chunks as nodes answer, a
/// node answering a batch of requests read at once) then leave in one vectored write
/// instead of one system call each.
final class FlushBatcher: ChannelOutboundHandler {
    typealias OutboundIn = Any

    private var isFlushScheduled = false

    func flush(context: ChannelHandlerContext) {
        guard !self.isFlushScheduled else {
            return
        }
        self.isFlushScheduled = true
        let loopBound = NIOLoopBound((handler: self, context: context), eventLoop: context.eventLoop)
        context.eventLoop.execute {
            let (handler, context) = loopBound.value
            handler.isFlushScheduled = false
            context.flush()
        }
    }
}
