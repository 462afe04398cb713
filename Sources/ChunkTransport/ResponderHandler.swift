import ChunkWire
import NIOCore

/// The serving end of a connection on its event loop: runs a ``FrameResponder`` task per
/// request, answers pings, honours cancel frames, and refuses requests beyond the limit.
final class ResponderHandler: ChannelInboundHandler {
    typealias InboundIn = Frame
    typealias OutboundOut = Frame

    private let responder: any FrameResponder
    private let configuration: TransportConfiguration
    /// Requests being served, by request id; the serial number tells a request from a
    /// later one that reuses its id after a cancel.
    private var running: [UInt64: (serial: UInt64, task: Task<Void, Never>)] = [:]
    private var nextSerial: UInt64 = 0

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
            self.running.removeValue(forKey: request.requestID)?.task.cancel()
        case .pong, .welcome:
            break
        case _ where request.requestID == 0 || request.opcode.isResponse:
            self.refuse(request, ErrorMessage(.badRequest, "\(request.opcode) with request id \(request.requestID) is not a request"), context: context)
        default:
            self.start(request, context: context)
        }
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
        if let answer = self.responder.respondImmediately(to: request) {
            // Answering on the event loop saves a task and two thread hops per request,
            // which is most of a small chunk's latency at a node.
            context.writeAndFlush(Self.wrapOutboundOut(answer.numbered(request.requestID, final: true)), promise: nil)
            return
        }
        let channel = context.channel
        let handler = NIOLoopBound(self, eventLoop: context.eventLoop)
        let requestID = request.requestID
        let serial = self.nextSerial
        self.nextSerial += 1
        let sink = ReplySink(requestID: requestID) { response in
            // The slot frees before the final response leaves, so a requester that
            // reuses it at once never finds this connection over its limit.
            let written = channel.eventLoop.flatSubmit {
                if !response.flags.contains(.more), handler.value.running[requestID]?.serial == serial {
                    handler.value.running.removeValue(forKey: requestID)
                }
                return channel.writeAndFlush(response)
            }
            // Waiting for every small write would cost two thread hops per response, most
            // of a small chunk's latency. Large ones are waited for (the hops are cheap
            // beside their bytes), and small ones while the socket's buffer is full, so a
            // responder streaming many frames cannot queue without bound. Writes stay in
            // order because the event loop runs submitted work first in, first out.
            if !channel.isWritable || response.payload.readableBytes >= 64 << 10 {
                try await written.get()
            }
        }
        self.running[requestID] = (serial, Task { [responder] in
            await sink.serve(request, with: responder)
        })
    }

    private func refuse(_ request: Frame, _ message: ErrorMessage, context: ChannelHandlerContext) {
        context.writeAndFlush(Self.wrapOutboundOut(message.frame(requestID: request.requestID)), promise: nil)
    }

    private func cancelAll() {
        for request in self.running.values {
            request.task.cancel()
        }
        self.running.removeAll()
    }
}
