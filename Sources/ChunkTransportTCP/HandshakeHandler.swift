import ChunkTransport
import ChunkWire
import NIOCore

/// The first exchange on a connection, hello then welcome, as a handler that examines the
/// first frame, answers it, and on success replaces itself with the connection's
/// steady-state handler. A handshake that does not finish within the timeout, or a peer
/// that closes or sends garbage first, fails `completion` and closes the channel.
final class HandshakeHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = Frame
    typealias OutboundOut = Frame

    /// What to do with the peer's first frame.
    enum Verdict {
        /// Send `reply` (if any) and hand the connection to the successor.
        case accept(reply: Frame?)
        /// Send `reply` (if any), fail the handshake with `error` and close.
        case reject(reply: ErrorMessage?, error: TransportError)
    }

    private let opening: Frame?
    private let timeout: TimeAmount
    private let successor: any ChannelHandler
    private let examine: (Frame) -> Verdict
    private let completion: EventLoopPromise<Frame>
    private var isComplete = false
    private var deadline: Scheduled<Void>?

    /// - Parameters:
    ///   - opening: a frame to send as soon as the channel is active (the node's hello).
    ///   - successor: the handler that serves the connection once the handshake succeeded.
    ///   - examine: judges the peer's first frame.
    ///   - completion: succeeded with the peer's first frame once the successor is in
    ///     place and before the reply is written, failed otherwise.
    init(
        opening: Frame?,
        timeout: TimeAmount,
        successor: any ChannelHandler,
        completion: EventLoopPromise<Frame>,
        examine: @escaping (Frame) -> Verdict
    ) {
        self.opening = opening
        self.timeout = timeout
        self.successor = successor
        self.completion = completion
        self.examine = examine
    }

    func handlerAdded(context: ChannelHandlerContext) {
        let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        self.deadline = context.eventLoop.scheduleTask(in: self.timeout) {
            let (handler, context) = loopBound.value
            handler.fail(TransportError(.timedOut, "the handshake did not finish within \(handler.timeout.nanoseconds / 1_000_000) ms"), context: context)
        }
        if context.channel.isActive {
            self.sendOpening(context: context)
        }
    }

    func channelActive(context: ChannelHandlerContext) {
        self.sendOpening(context: context)
        context.fireChannelActive()
    }

    /// A channel whose connect failed is torn down without ever going inactive: the
    /// deadline must not keep it for the rest of the timeout.
    func handlerRemoved(context: ChannelHandlerContext) {
        self.settle(failing: TransportError(.connectionClosed, "the connection ended before its handshake finished"))
    }

    func channelInactive(context: ChannelHandlerContext) {
        self.fail(TransportError(.connectionClosed, "the peer closed the connection during the handshake"), context: context)
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if error is WireError {
            self.fail(TransportError(.protocolViolation, "the peer's first bytes are not a valid frame", cause: error), context: context, reply: ErrorMessage(.protocolViolation, "\(error)"))
        } else {
            self.fail(TransportError(.connectionClosed, "the connection failed during the handshake", cause: error), context: context)
        }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        guard let refused = event as? RefusedFrame, !self.isComplete else {
            context.fireUserInboundEventTriggered(event)
            return
        }
        self.fail(TransportError(.protocolViolation, "the peer's first frame exceeds a limit", cause: refused.error), context: context, reply: ErrorMessage(.protocolViolation, refused.error.message))
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !self.isComplete else {
            return
        }
        let frame = Self.unwrapInboundIn(data)
        switch self.examine(frame) {
        case .accept(let reply):
            self.isComplete = true
            self.deadline?.cancel()
            do {
                try context.pipeline.syncOperations.addHandler(self.successor, position: .after(self))
            } catch {
                self.completion.fail(error)
                context.close(promise: nil)
                return
            }
            // Completion callbacks run here, on the event loop, before the reply is
            // written: a listener registers the node before the node learns it is
            // welcome.
            self.completion.succeed(frame)
            if let reply {
                context.writeAndFlush(Self.wrapOutboundOut(reply), promise: nil)
            }
            context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
        case .reject(let reply, let error):
            self.fail(error, context: context, reply: reply)
        }
    }

    /// Ends an unfinished handshake with `error`: stops the deadline and fails the
    /// completion. False if the handshake had already ended.
    @discardableResult
    private func settle(failing error: TransportError) -> Bool {
        guard !self.isComplete else {
            return false
        }
        self.isComplete = true
        self.deadline?.cancel()
        self.completion.fail(error)
        return true
    }

    private func sendOpening(context: ChannelHandlerContext) {
        if let opening = self.opening, !self.isComplete {
            context.writeAndFlush(Self.wrapOutboundOut(opening), promise: nil)
        }
    }

    private func fail(_ error: TransportError, context: ChannelHandlerContext, reply: ErrorMessage? = nil) {
        guard self.settle(failing: error) else {
            return
        }
        if let reply {
            context.reject(reply)
        } else {
            context.close(promise: nil)
        }
    }
}

extension HandshakeHandler {
    /// Judges a peer's hello on a port that requires `token`: a welcome for a hello that
    /// carries it, an `unauthorized` error for anything else.
    static func checkingHello(token: [UInt8]) -> (Frame) -> Verdict {
        { frame in
            do {
                guard constantTimeEquals(try HelloMessage(from: frame).token, token) else {
                    return .reject(reply: ErrorMessage(.unauthorized, "the hello's token is not accepted"), error: TransportError(.rejected, "bad token"))
                }
                return .accept(reply: Frame(.welcome, payloadChecksum: 0))
            } catch {
                return .reject(reply: ErrorMessage(.unauthorized, "the first frame must be a hello: \(error)"), error: TransportError(.rejected, "no hello", cause: error))
            }
        }
    }

    /// Judges the answer to this side's hello: a welcome goes on; an error or anything
    /// else ends the connection with a `TransportError` (`rejected` for a refusal).
    static func expectingWelcome(_ frame: Frame) -> Verdict {
        switch frame.opcode {
        case .welcome:
            return .accept(reply: nil)
        case .error:
            let reason = (try? ErrorMessage(from: frame))?.description ?? "an unreadable error frame"
            return .reject(reply: nil, error: TransportError(.rejected, "the hello was refused: \(reason)"))
        default:
            return .reject(reply: nil, error: TransportError(.protocolViolation, "expected a welcome, got \(frame.opcode)"))
        }
    }
}
