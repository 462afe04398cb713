public import NIOCore

/// Decodes the byte stream of a connection into ``Frame``s whose key and payload are
/// slices of the received bytes. Use it through `ByteToMessageHandler(FrameDecoder())`.
///
/// The decoder does not reserve room for a whole frame when its header arrives: measured
/// on 8 MiB chunks over loopback, letting the cumulation buffer grow with the reads was
/// twice as fast as one up-front reservation (which glibc serves with fresh pages).
/// A malformed header raises ``WireError``; the stream then cannot be resynchronised and
/// the channel should be closed. A stream that ends inside a frame raises
/// ``WireError/Code-swift.struct/truncatedFrame``.
public struct FrameDecoder: ByteToMessageDecoder, Sendable {
    public typealias InboundOut = Frame

    private let parser: FrameParser

    /// Creates a decoder enforcing `limits`.
    public init(limits: WireLimits = .default) {
        self.parser = FrameParser(limits: limits)
    }

    public mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        if let frame = try self.parser.parse(&buffer) {
            context.fireChannelRead(Self.wrapInboundOut(frame))
            return .continue
        }
        return .needMoreData
    }

    public mutating func decodeLast(context: ChannelHandlerContext, buffer: inout ByteBuffer, seenEOF: Bool) throws -> DecodingState {
        let state = try self.decode(context: context, buffer: &buffer)
        if state == .needMoreData, buffer.readableBytes > 0 {
            let have = buffer.readableBytes
            buffer.moveReaderIndex(forwardBy: have)
            throw WireError(.truncatedFrame, "the stream ended \(have) bytes into a frame")
        }
        return state
    }
}

/// Writes each outbound ``Frame`` as two buffers, header-and-key then payload, without
/// copying the payload; a flush sends both in one vectored write.
public final class FrameEncoder: ChannelOutboundHandler, Sendable {
    public typealias OutboundIn = Frame
    public typealias OutboundOut = ByteBuffer

    /// Creates an encoder.
    public init() {}

    public func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        let frame = Self.unwrapOutboundIn(data)
        let header = WireFormat.headerAndKey(of: frame, allocator: context.channel.allocator)
        if frame.payload.readableBytes == 0 {
            context.write(Self.wrapOutboundOut(header), promise: promise)
        } else {
            context.write(Self.wrapOutboundOut(header), promise: nil)
            context.write(Self.wrapOutboundOut(frame.payload), promise: promise)
        }
    }
}
