import ChunkTransport
import ChunkWire
import NIOCore

/// The requesting end of a connection on its event loop: writes requests, routes
/// responses through a ``RequestMultiplexer``, and keeps the peer honest with pings.
final class RequesterHandler: ChannelInboundHandler {
    typealias InboundIn = Frame
    typealias OutboundOut = Frame

    private var multiplexer: RequestMultiplexer
    private let configuration: TransportConfiguration
    private var context: ChannelHandlerContext?
    private var lastRead = NIODeadline.now()
    private var livenessCheck: RepeatedTask?

    init(configuration: TransportConfiguration) {
        self.configuration = configuration
        self.multiplexer = RequestMultiplexer(
            limit: configuration.limits.maximumRequestsInFlight,
            verifiesPayloadChecksums: configuration.verifiesPayloadChecksums
        )
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        if context.channel.isActive {
            self.startLivenessChecks(context: context)
        }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.stop(with: TransportError(.connectionClosed, "the connection's handler was removed"))
        self.context = nil
    }

    func channelActive(context: ChannelHandlerContext) {
        self.startLivenessChecks(context: context)
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        self.stop(with: TransportError(.connectionClosed, "the peer closed the connection"))
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if let error = error as? WireError {
            let reason = error.code == .stalledFrame
                ? TransportError(.timedOut, "the peer stalled in the middle of a frame", cause: error)
                : TransportError(.protocolViolation, "the peer sent a malformed frame", cause: error)
            self.stop(with: reason)
            context.rejectMalformedInput(error)
        } else {
            self.stop(with: TransportError(.connectionClosed, "the connection failed", cause: error))
            context.close(promise: nil)
        }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        guard let refused = event as? RefusedFrame else {
            context.fireUserInboundEventTriggered(event)
            return
        }
        // A response the decoder refused and skipped: it fails its request only.
        let action = self.multiplexer.refuse(refused)
        if let delivery = action.delivery {
            delivery.handler(delivery.result)
        }
        self.write(action.writes, context: context)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = Self.unwrapInboundIn(data)
        self.lastRead = .now()
        guard frame.requestID != 0 else {
            self.receiveConnectionMessage(frame, context: context)
            return
        }
        let action = self.multiplexer.receive(frame)
        if let delivery = action.delivery {
            delivery.handler(delivery.result)
        }
        self.write(action.writes, context: context)
    }

    /// Sends `request` (which already carries its id) once a slot is free.
    func submit(_ request: Frame, onResponse: @escaping ResponseHandler) {
        guard let context = self.context else {
            // The connection has ended: the multiplexer fails the request with the reason
            // it ended for (a liveness timeout, a malformed frame), closing it first only
            // if nothing did.
            self.stop(with: TransportError(.connectionClosed, "the connection is closed"))
            if case .fail(let handler, let error) = self.multiplexer.submit(request, onResponse: onResponse) {
                handler(.failure(error))
            }
            return
        }
        switch self.multiplexer.submit(request, onResponse: onResponse) {
        case .write(let ready):
            self.write([ready], context: context)
        case .queued:
            break
        case .fail(let handler, let error):
            handler(.failure(error))
        }
    }

    /// Abandons a request whose caller stopped listening.
    func cancel(_ requestID: UInt64) {
        guard let context = self.context else {
            return
        }
        self.write(self.multiplexer.cancel(requestID), context: context)
    }

    /// Fails every request and closes the channel.
    func close(with error: TransportError) {
        self.stop(with: error)
        self.context?.close(promise: nil)
    }

    private func receiveConnectionMessage(_ frame: Frame, context: ChannelHandlerContext) {
        switch frame.opcode {
        case .error:
            let message = (try? ErrorMessage(from: frame)) ?? ErrorMessage(.protocolViolation, "unreadable error frame")
            let code: TransportError.Code = message.code == .unauthorized ? .rejected : .protocolViolation
            self.close(with: TransportError(code, "the peer ended the connection", cause: message))
        case .ping:
            context.writeAndFlush(Self.wrapOutboundOut(Frame(.pong, payloadChecksum: 0)), promise: nil)
        default:
            // Pongs only refresh `lastRead`; other connection-level frames carry nothing for a requester.
            break
        }
    }

    private func write(_ frames: [Frame], context: ChannelHandlerContext) {
        guard !frames.isEmpty else {
            return
        }
        for frame in frames {
            context.write(Self.wrapOutboundOut(frame), promise: nil)
        }
        context.flush()
    }

    private func startLivenessChecks(context: ChannelHandlerContext) {
        guard self.livenessCheck == nil, let interval = self.configuration.pingInterval else {
            return
        }
        self.lastRead = .now()
        let timeout = self.configuration.livenessTimeout
        let loopBound = NIOLoopBound(self, eventLoop: context.eventLoop)
        self.livenessCheck = context.eventLoop.scheduleRepeatedTask(initialDelay: interval, delay: interval) { _ in
            let handler = loopBound.value
            let silence = NIODeadline.now() - handler.lastRead
            if silence >= timeout {
                handler.close(with: TransportError(.timedOut, "no frame from the peer for \(silence.nanoseconds / 1_000_000) ms"))
            } else if silence >= interval, let context = handler.context {
                context.writeAndFlush(Self.wrapOutboundOut(Frame(.ping, payloadChecksum: 0)), promise: nil)
            }
        }
    }

    private func stop(with error: TransportError) {
        self.livenessCheck?.cancel()
        self.livenessCheck = nil
        for handler in self.multiplexer.close(with: error) {
            handler(.failure(error))
        }
    }
}
