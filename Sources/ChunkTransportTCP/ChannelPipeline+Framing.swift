import ChunkTransport
import ChunkWire
import NIOCore
import NIOPosix

extension ChannelPipeline.SynchronousOperations {
    /// Installs the frame codec (with the configuration's limits and frame timeout) and
    /// flush batching, followed by `handler`, the connection's logic.
    func addFraming(_ configuration: TransportConfiguration, then handler: any ChannelHandler) throws {
        try self.addHandler(ByteToMessageHandler(FrameDecoder(limits: configuration.limits, frameTimeout: configuration.frameTimeout)))
        try self.addHandler(FrameEncoder())
        try self.addHandler(FlushBatcher())
        try self.addHandler(handler)
    }
}
