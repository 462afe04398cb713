import ChunkTransport
import ChunkWire
import NIOCore

/// The serving end of a connection on its event loop: has a `FrameResponder` answer each
/// request, answers pings, honours cancel frames, and refuses requests beyond the limit.
///
/// It keeps a requester that does not read from making it buffer without bound: while
/// the connection's outbound buffer is above its high-water mark it reads no more requests
/// and closes the connection's ``OutputGate`` (so responders pull no more data for it), and
/// once the responses written but not yet taken by the socket pass the configuration's
/// output limit, it drops the connection, as Redis drops a client past its output buffer
/// limit. It also drops a requester that has taken none of its answers for the output
/// stall timeout while some wait, so that work paused for it is not held forever.
final class ResponderHandler: ChannelInboundHandler {
    typealias InboundIn = Frame
    typealias OutboundOut = Frame

    private let responder: any FrameResponder
    private let configuration: TransportConfiguration
    /// Requests being served, by request id; the serial number tells a request from a
    /// later one that reuses its id after a cancel.
    private var running: [UInt64: (serial: UInt64, replies: ReplySink)] = [:]
    private var nextSerial: UInt64 = 0
    /// Open while the connection is writable.
    private let output = OutputGate()
    /// Payload bytes of responses written to the channel and not yet to the socket (those
    /// large enough to be waited for, or written while the channel was unwritable).
    private var unwrittenBytes = 0
    /// When the requester last took an answer, or its socket last had room.
    private var lastOutputProgress = NIODeadline.now()
    private var stallCheck: Scheduled<Void>?

    init(responder: any FrameResponder, configuration: TransportConfiguration) {
        self.responder = responder
        self.configuration = configuration
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let request = Self.unwrapInboundIn(data)
        switch request.opcode {
        case .ping:
            context.writeAndFlush(Self.wrapOutboundOut(request.response(.pong)), promise: nil)
        case .cancel:
            self.running.removeValue(forKey: request.requestID)?.replies.cancel()
        case .pong, .welcome:
            break
        case _ where request.requestID == 0 || request.opcode.isResponse:
            self.refuse(request, ErrorMessage(.badRequest, "\(request.opcode) with request id \(request.requestID) is not a request"), context: context)
        default:
            self.start(request, context: context)
        }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        guard let refused = event as? RefusedFrame else {
            context.fireUserInboundEventTriggered(event)
            return
        }
        // The decoder skipped the frame and the stream is intact: refuse that request only
        // — a request's, not a cancel's or a response's, and not one that would answer
        // in the name of a request still being served.
        let isRequest = !refused.opcode.isResponse && refused.opcode != .cancel && refused.opcode != .ping
        if refused.requestID != 0, isRequest, self.running[refused.requestID] == nil {
            let message = ErrorMessage(.limitExceeded, refused.error.message)
            context.writeAndFlush(Self.wrapOutboundOut(message.frame(requestID: refused.requestID)), promise: nil)
        }
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        let isWritable = context.channel.isWritable
        if isWritable {
            self.lastOutputProgress = .now()
        } else {
            self.outputWaits(on: context.channel, wasWaiting: self.unwrittenBytes > 0)
        }
        // Reading no more requests while the requester is not reading its answers.
        context.channel.setOption(ChannelOptions.autoRead, value: isWritable).whenComplete { _ in }
        if isWritable {
            context.read()
        }
        self.output.set(open: isWritable)
        context.fireChannelWritabilityChanged()
    }

    func channelInactive(context: ChannelHandlerContext) {
        self.cancelAll()
        context.fireChannelInactive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.cancelAll()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        self.cancelAll()
        if error is WireError {
            context.rejectMalformedInput(error)
        } else {
            context.close(promise: nil)
        }
    }

    private func start(_ request: Frame, context: ChannelHandlerContext) {
        guard self.running.count < self.configuration.limits.maximumRequestsInFlight else {
            self.refuse(request, ErrorMessage(.overloaded, "\(self.running.count) requests already in flight on this connection"), context: context)
            return
        }
        guard self.running[request.requestID] == nil else {
            self.refuse(request, ErrorMessage(.badRequest, "request id \(request.requestID) is already in flight"), context: context)
            return
        }
        if self.configuration.verifiesPayloadChecksums {
            do {
                try request.verifyPayloadChecksum()
            } catch {
                self.refuse(request, ErrorMessage(.checksumMismatch, error.message), context: context)
                return
            }
        }
        let channel = context.channel
        let handler = NIOLoopBound(self, eventLoop: context.eventLoop)
        let requestID = request.requestID
        let serial = self.nextSerial
        self.nextSerial += 1
        let replies = ReplySink(requestID: requestID, output: self.output) { response in
            // Waiting for every small write would cost two thread hops per response, most
            // of a small chunk's latency. Large ones are waited for (the hops are cheap
            // beside their bytes), and small ones while the socket's buffer is full, so a
            // responder streaming many frames cannot queue without bound. Writes stay in
            // order because the event loop runs submitted work first in, first out — even
            // from the loop's own thread, where writing at once could overtake work queued
            // earlier from another thread.
            let written = !channel.isWritable || response.payload.readableBytes >= 64 << 10 ? channel.eventLoop.makePromise(of: Void.self) : nil
            channel.eventLoop.execute { handler.value.write(response, serial: serial, to: channel, promise: written) }
            return written?.futureResult
        }
        self.running[requestID] = (serial, replies)
        self.responder.respond(to: request, replies: replies)
    }

    private func write(_ response: Frame, serial: UInt64, to channel: any Channel, promise: EventLoopPromise<Void>?) {
        // A response that cannot be written (a key over 64 KiB) becomes an error, so the
        // requester is answered all the same.
        let response = response.fitsLengthFields
            ? response
            : ErrorMessage(.internalError, "the responder's answer does not fit the frame format").frame(requestID: response.requestID)
        // The slot frees before the final response leaves, so a requester that reuses it
        // at once never finds this connection over its limit.
        if !response.flags.contains(.more), self.running[response.requestID]?.serial == serial {
            self.running.removeValue(forKey: response.requestID)
        }
        guard let promise else {
            channel.writeAndFlush(response, promise: nil)
            return
        }
        let size = response.payload.readableBytes
        self.outputWaits(on: channel, wasWaiting: self.isOutputWaiting(on: channel))
        self.unwrittenBytes += size
        if let limit = self.configuration.outputLimit, self.unwrittenBytes > limit {
            // The requester takes nothing: drop it rather than hold its answers. Its
            // requests are cancelled when the channel goes inactive.
            promise.fail(TransportError(.connectionClosed, "the requester read too little: \(self.unwrittenBytes) bytes of answers unwritten, over the limit of \(limit)"))
            channel.close(promise: nil)
            return
        }
        let handler = NIOLoopBound(self, eventLoop: channel.eventLoop)
        promise.futureResult.whenComplete { _ in
            handler.value.unwrittenBytes -= size
            handler.value.lastOutputProgress = .now()
        }
        channel.writeAndFlush(response, promise: promise)
    }

    /// Whether output waits on the requester: its socket is full, or an answer is unwritten.
    private func isOutputWaiting(on channel: any Channel) -> Bool {
        !channel.isWritable || self.unwrittenBytes > 0
    }

    /// Output now waits on the requester (its socket is full, or an answer is unwritten):
    /// starts the stall clock if nothing waited before, and watches it.
    private func outputWaits(on channel: any Channel, wasWaiting: Bool) {
        if !wasWaiting {
            self.lastOutputProgress = .now()
        }
        guard let timeout = self.configuration.outputStallTimeout, self.stallCheck == nil else { return }
        let handler = NIOLoopBound(self, eventLoop: channel.eventLoop)
        self.stallCheck = channel.eventLoop.scheduleTask(deadline: self.lastOutputProgress + timeout) {
            handler.value.checkStall(of: channel, timeout: timeout)
        }
    }

    /// Drops the requester if its output still waits and has made no progress for
    /// `timeout`; otherwise looks again when it could have.
    private func checkStall(of channel: any Channel, timeout: TimeAmount) {
        self.stallCheck = nil
        guard channel.isActive, self.isOutputWaiting(on: channel) else { return }
        guard NIODeadline.now() - self.lastOutputProgress >= timeout else {
            self.outputWaits(on: channel, wasWaiting: true)
            return
        }
        // Its requests are cancelled when the channel goes inactive.
        channel.close(promise: nil)
    }

    private func refuse(_ request: Frame, _ message: ErrorMessage, context: ChannelHandlerContext) {
        context.writeAndFlush(Self.wrapOutboundOut(message.frame(requestID: request.requestID)), promise: nil)
    }

    private func cancelAll() {
        self.stallCheck?.cancel()
        self.stallCheck = nil
        let running = self.running.values
        self.running.removeAll()
        for request in running {
            request.replies.cancel()
        }
    }
}
