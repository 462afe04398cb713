public import NIOCore

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
