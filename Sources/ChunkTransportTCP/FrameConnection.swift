public import ChunkTransport
public import ChunkWire
public import NIOCore
import Synchronization

/// A `FrameTransport` over one SwiftNIO channel: the proxy's connection to a node that
/// dialled in (from ``NodeListener``), or a client's connection to a proxy (from
/// ``FrameClient``). Many requests share the connection, matched by request id; requests
/// beyond ``WireLimits/maximumRequestsInFlight`` wait for a free slot.
public final class FrameConnection: FrameTransport {
    private let channel: any Channel
    private let handler: NIOLoopBound<RequesterHandler>
    private let nextRequestID = Mutex<UInt64>(1)

    private let limits: WireLimits

    init(channel: any Channel, handler: RequesterHandler, limits: WireLimits) {
        self.channel = channel
        self.limits = limits
        self.handler = NIOLoopBound(handler, eventLoop: channel.eventLoop)
    }

    /// The peer's address, when the channel knows it.
    public var remoteAddress: SocketAddress? {
        self.channel.remoteAddress
    }

    /// Whether the connection is still open.
    public var isOpen: Bool {
        self.channel.isActive
    }

    /// Completes when the connection has closed, for whatever reason.
    public var closeFuture: EventLoopFuture<Void> {
        self.channel.closeFuture
    }

    /// Sends `request`; one that exceeds the connection's limits (the peer would refuse
    /// it) fails at once with a `WireError` and is not sent.
    public func send(_ request: Frame, onResponse: @escaping ResponseHandler) -> PendingRequest {
        if let refused = PendingRequest.refused(request, over: self.limits, onResponse: onResponse) {
            return refused
        }
        let requestID = self.nextRequestID.withLock { next in
            defer { next += 1 }
            return next
        }
        let request = request.withRequestID(requestID)
        let handler = self.handler
        let eventLoop = self.channel.eventLoop
        // Queued even from the event loop's own thread: a response handler that sends
        // again must not re-enter the requester while it is delivering.
        eventLoop.execute { handler.value.submit(request, onResponse: onResponse) }
        // The handle reaches its holder only after the submission is queued, so a
        // cancellation always runs after it on the event loop.
        return PendingRequest {
            eventLoop.execute { handler.value.cancel(requestID) }
        }
    }

    public func close() async {
        let handler = self.handler
        try? await self.channel.eventLoop.submit {
            handler.value.close(with: TransportError(.connectionClosed, "the connection was closed locally"))
        }.get()
        try? await self.channel.closeFuture.get()
    }
}
