import ChunkWire
import NIOCore

extension ChannelPipeline.SynchronousOperations {
    /// Installs the frame codec followed by `handler`, the connection's logic.
    func addFraming(limits: WireLimits, then handler: any ChannelHandler) throws {
        try self.addHandler(ByteToMessageHandler(FrameDecoder(limits: limits)))
        try self.addHandler(FrameEncoder())
        try self.addHandler(handler)
    }
}

/// Compares secrets in time that depends only on their lengths.
func constantTimeEquals(_ a: [UInt8], _ b: [UInt8]) -> Bool {
    guard a.count == b.count else {
        return false
    }
    var difference: UInt8 = 0
    for index in a.indices {
        difference |= a[index] ^ b[index]
    }
    return difference == 0
}
