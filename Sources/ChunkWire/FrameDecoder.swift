public import NIOCore

/// Decodes the byte stream of a connection into ``Frame``s. Use it through
/// `ByteToMessageHandler(FrameDecoder())`.
///
/// A frame that arrives within the bytes at hand is sliced out of them: its key and
/// payload share the received storage. A frame whose payload of at least
/// ``gatheringThreshold`` bytes spans several reads is gathered instead: once its header
/// and key are in, the payload goes into a buffer of exactly its size, and each later
/// read is copied into it once — the same single copy that accumulating in NIO's
/// cumulation buffer would make, but into storage the frame owns alone. Measured on 8 MiB
/// chunks over loopback, that is faster than growing the cumulation buffer (which rounds
/// 8 MiB + header up to 16 MiB), and a stored chunk pins no more memory than its size.
///
/// Large payloads are gathered only while a ``GatheringBudget`` shared by the decoders has
/// room; beyond it they accumulate as they arrive. A frame whose key exceeds
/// ``WireLimits/maximumKeyLength`` is refused alone: its key and
/// payload are skipped as they arrive (never buffered) and a ``RefusedFrame`` goes up the
/// pipeline as a user inbound event, so the connection can answer that request with an
/// error and go on. A malformed header raises ``WireError``; the stream then cannot be
/// resynchronised and the channel should be closed. A stream that ends inside a frame
/// raises ``WireError/Code-swift.struct/truncatedFrame``.
public struct FrameDecoder: ByteToMessageDecoder, Sendable {
    public typealias InboundOut = Frame

    private let parser: FrameParser
    /// Payloads at least this long that span reads are gathered into their own buffer.
    public let gatheringThreshold: Int
    private let budget: GatheringBudget
    private let frameTimeout: TimeAmount?
    /// A payload being gathered, with the bytes still missing; its whole length is
    /// reserved from the budget until it completes.
    private var gathering: (frame: Frame, missing: Int)?
    /// Bytes of a refused frame still to be skipped.
    private var skipping = 0
    /// When the frame under way began, and the one timer that checks it (a box made on
    /// the channel's event loop, so that the timer can start itself again).
    private var deadline: NIOLoopBoundBox<FrameDeadline>?

    /// Creates a decoder enforcing `limits`. Payloads of at least `gatheringThreshold`
    /// bytes (default 64 KiB) that span reads are gathered into a buffer of their own size
    /// while `budget` has room for them. With a `frameTimeout`, a frame that has begun
    /// arriving must be whole within it, or the decoder raises
    /// ``WireError/Code-swift.struct/stalledFrame`` (a peer trickling a frame, or stalled
    /// in one, holds the connection's memory no longer). Time during which this end has
    /// stopped reading (`autoRead` off) does not count against the peer.
    public init(
        limits: WireLimits = .default,
        gatheringThreshold: Int = 64 << 10,
        budget: GatheringBudget = .shared,
        frameTimeout: TimeAmount? = nil
    ) {
        self.parser = FrameParser(limits: limits)
        self.gatheringThreshold = max(gatheringThreshold, 1)
        self.budget = budget
        self.frameTimeout = frameTimeout
    }

    public mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        let (state, completed) = try self.step(context: context, buffer: &buffer)
        self.watchDeadline(context: context, inFrame: self.gathering != nil || self.skipping > 0 || buffer.readableBytes > 0, restart: completed)
        return state
    }

    /// One decoding step; `completed` when it passed a whole frame (or a refusal) on.
    private mutating func step(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> (state: DecodingState, completed: Bool) {
        if self.skipping > 0 {
            let take = min(self.skipping, buffer.readableBytes)
            buffer.moveReaderIndex(forwardBy: take)
            self.skipping -= take
            return self.skipping == 0 ? (.continue, true) : (.needMoreData, false)
        }
        if var partial = self.gathering {
            // Drop the stored copy first, so the payload buffer is uniquely referenced
            // and appending to it never copies it.
            self.gathering = nil
            let take = min(partial.missing, buffer.readableBytes)
            partial.frame.payload.writeImmutableBuffer(buffer.readSlice(length: take)!)
            partial.missing -= take
            guard partial.missing == 0 else {
                self.gathering = partial
                return (.needMoreData, false)
            }
            self.budget.release(partial.frame.payload.readableBytes)
            context.fireChannelRead(Self.wrapInboundOut(partial.frame))
            return (.continue, true)
        }
        switch try self.parser.next(&buffer) {
        case .frame(let frame):
            context.fireChannelRead(Self.wrapInboundOut(frame))
            return (.continue, true)
        case .refused(let refused, let skip):
            self.skipping = skip
            context.fireUserInboundEventTriggered(refused)
            return (.continue, skip == 0)
        case nil:
            break
        }
        if let partial = try self.parser.beginGathering(&buffer, minimumPayloadLength: self.gatheringThreshold, budget: self.budget, allocator: context.channel.allocator) {
            self.gathering = partial
            return (.continue, false)
        }
        return (.needMoreData, false)
    }

    /// Keeps a deadline on the frame under way: it starts when a frame begins, starts again
    /// when one completes and another has begun, and ends when none is under way. Frames
    /// only note the time; one timer at a time checks them, so a read of many frames
    /// schedules nothing.
    private mutating func watchDeadline(context: ChannelHandlerContext, inFrame: Bool, restart: Bool) {
        guard let timeout = self.frameTimeout else { return }
        let deadline = self.deadline ?? NIOLoopBoundBox(FrameDeadline(), eventLoop: context.eventLoop)
        self.deadline = deadline
        guard inFrame else {
            // A timer already set finds no frame under way when it fires, and stops.
            deadline.value.frameBegan = nil
            return
        }
        let began = restart ? context.eventLoop.now : deadline.value.frameBegan ?? context.eventLoop.now
        deadline.value.frameBegan = began
        if deadline.value.timer == nil {
            Self.arm(deadline, at: began + timeout, timeout: timeout, context: context)
        }
    }

    /// Checks the frame under way at `time`: raises the stall error if it began `timeout`
    /// or more ago, and otherwise checks again when it will have — unless this end is not
    /// reading then (its responder stops reading while the requester takes no answers),
    /// which is no stall of the peer's: the frame's time then starts again.
    private static func arm(_ deadline: NIOLoopBoundBox<FrameDeadline>, at time: NIODeadline, timeout: TimeAmount, context: ChannelHandlerContext) {
        let bound = NIOLoopBound(context, eventLoop: context.eventLoop)
        deadline.value.timer = context.eventLoop.scheduleTask(deadline: time) {
            let context = bound.value
            deadline.value.timer = nil
            guard let began = deadline.value.frameBegan else { return }
            let now = context.eventLoop.now
            if now < began + timeout {
                Self.arm(deadline, at: began + timeout, timeout: timeout, context: context)
            } else if (try? context.channel.syncOptions?.getOption(ChannelOptions.autoRead)) == false {
                deadline.value.frameBegan = now
                Self.arm(deadline, at: now + timeout, timeout: timeout, context: context)
            } else {
                deadline.value.frameBegan = nil
                context.fireErrorCaught(WireError(.stalledFrame, "a frame did not arrive whole within \(timeout.nanoseconds / 1_000_000) ms"))
            }
        }
    }

    public mutating func decoderRemoved(context: ChannelHandlerContext) {
        self.deadline?.value.timer?.cancel()
        self.deadline?.value = FrameDeadline()
        if let partial = self.gathering {
            self.gathering = nil
            self.budget.release(partial.frame.payload.readableBytes + partial.missing)
        }
    }

    public mutating func decodeLast(context: ChannelHandlerContext, buffer: inout ByteBuffer, seenEOF: Bool) throws -> DecodingState {
        let state = try self.decode(context: context, buffer: &buffer)
        guard state == .needMoreData else {
            return state
        }
        if let partial = self.gathering {
            self.gathering = nil
            self.budget.release(partial.frame.payload.readableBytes + partial.missing)
            throw WireError(.truncatedFrame, "the stream ended \(partial.missing) bytes short of a payload")
        }
        if self.skipping > 0 {
            defer { self.skipping = 0 }
            throw WireError(.truncatedFrame, "the stream ended \(self.skipping) bytes into a refused frame")
        }
        if buffer.readableBytes > 0 {
            let have = buffer.readableBytes
            buffer.moveReaderIndex(forwardBy: have)
            throw WireError(.truncatedFrame, "the stream ended \(have) bytes into a frame")
        }
        return state
    }
}

/// The frame timeout's state on one connection.
private struct FrameDeadline {
    /// When the frame under way began arriving; nil between frames.
    var frameBegan: NIODeadline?
    /// The check scheduled for when that frame will have taken the whole timeout.
    var timer: Scheduled<Void>?
}
