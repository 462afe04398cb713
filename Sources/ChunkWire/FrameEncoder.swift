public import NIOCore

/// Writes each outbound ``Frame`` as two buffers, header-and-key then payload, without
/// copying the payload; a flush sends both in one vectored write. A frame whose key or
/// payload does not fit its length field is not written: its write fails with the
/// ``WireError``, and the stream stays intact.
public final class FrameEncoder: ChannelOutboundHandler, Sendable {
    public typealias OutboundIn = Frame
    public typealias OutboundOut = ByteBuffer

    /// Creates an encoder.
    public init() {}

    public func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        let frame = Self.unwrapOutboundIn(data)
        let header: ByteBuffer
        do {
            header = try WireFormat.headerAndKey(of: frame, allocator: context.channel.allocator)
        } catch {
            promise?.fail(error)
            return
        }
        if frame.payload.readableBytes == 0 {
            context.write(Self.wrapOutboundOut(header), promise: promise)
        } else {
            context.write(Self.wrapOutboundOut(header), promise: nil)
            context.write(Self.wrapOutboundOut(frame.payload), promise: promise)
        }
    }
}
