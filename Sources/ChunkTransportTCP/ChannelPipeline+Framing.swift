import ChunkTransport
import ChunkWire
import NIOCore
import NIOPosix

extension ChannelPipeline.SynchronousOperations {
    /// Installs the frame codec and flush batching, followed by `handler`, the
    /// connection's logic.
    func addFraming(limits: WireLimits, then handler: any ChannelHandler) throws {
        try self.addHandler(ByteToMessageHandler(FrameDecoder(limits: limits)))
        try self.addHandler(FrameEncoder())
        try self.addHandler(FlushBatcher())
        try self.addHandler(handler)
    }
}
