import ChunkWire
import NIOCore
import NIOEmbedded
import Testing

@Suite("Length fields")
struct LengthFieldTests {
    private func frame(keyLength: Int, payloadLength: Int = 3) -> Frame {
        Frame(.delete, requestID: 7, key: ByteBuffer(repeating: 0x6B, count: keyLength), payload: ByteBuffer(repeating: 1, count: payloadLength))
    }

    @Test("a key of 65,535 bytes is written whole and read back; 65,536 is refused, not wrapped")
    func keyLengthField() throws {
        let longest = self.frame(keyLength: Int(UInt16.max))
        var bytes = try WireFormat.contiguousBytes(of: longest)
        let parsed = try FrameParser(limits: WireLimits(maximumKeyLength: Int(UInt16.max))).parse(&bytes)
        #expect(parsed?.key.readableBytes == Int(UInt16.max))
        #expect(bytes.readableBytes == 0)

        // One byte more used to wrap to a 0-byte key: the key's bytes were then read as
        // further frames, so a crafted key smuggled a request the caller never sent.
        let smuggled = try WireFormat.contiguousBytes(of: Frame(.delete, key: ByteBuffer(string: "victim")))
        var key = ByteBuffer(repeating: 0, count: Int(UInt16.max) + 1 - smuggled.readableBytes)
        key.writeImmutableBuffer(smuggled)
        var written = ByteBuffer()
        #expect(throws: WireError.self) {
            try WireFormat.writeHeaderAndKey(of: Frame(.statObject, key: key), to: &written)
        }
        #expect(written.readableBytes == 0, "nothing is written for a frame that does not fit")
        #expect(!Frame(.statObject, key: key).fitsLengthFields)
        #expect(longest.fitsLengthFields)
    }

    @Test("the encoder fails the write of a frame whose key does not fit, and writes nothing")
    func encoderRefuses() throws {
        let channel = EmbeddedChannel(handler: FrameEncoder())
        let write = channel.write(self.frame(keyLength: Int(UInt16.max) + 1))
        channel.flush()
        #expect(throws: WireError.self) { try write.wait() }
        #expect(try channel.readOutbound(as: ByteBuffer.self) == nil)
        try channel.writeAndFlush(self.frame(keyLength: 3)).wait()
        #expect(try channel.readOutbound(as: ByteBuffer.self) != nil, "the channel is still usable")
        _ = try channel.finish()
    }

    @Test("limits are checked at the maximum and one past it", arguments: [0, 1])
    func limitsAtTheEdge(over: Int) {
        let limits = WireLimits(maximumKeyLength: 16, maximumPayloadLength: 32)
        let keyed = self.frame(keyLength: 16 + over, payloadLength: 0)
        let loaded = self.frame(keyLength: 0, payloadLength: 32 + over)
        if over == 0 {
            #expect(throws: Never.self) { try keyed.checkLimits(limits) }
            #expect(throws: Never.self) { try loaded.checkLimits(limits) }
        } else {
            #expect { try keyed.checkLimits(limits) } throws: { ($0 as? WireError)?.code == .keyTooLong }
            #expect { try loaded.checkLimits(limits) } throws: { ($0 as? WireError)?.code == .payloadTooLarge }
        }
    }
}

@Suite("Refused frames")
struct RefusedFrameTests {
    /// Collects what a decoder passes up: frames and refusals.
    private final class Collector: ChannelInboundHandler {
        typealias InboundIn = Frame
        var frames: [Frame] = []
        var refused: [RefusedFrame] = []

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            self.frames.append(Self.unwrapInboundIn(data))
        }

        func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
            if let refused = event as? RefusedFrame { self.refused.append(refused) }
        }
    }

    @Test("a key over the limit is skipped and refused alone; the next frame decodes, whatever the reads' boundaries", arguments: [1, 7, 100_000])
    func skipAndContinue(readSize: Int) throws {
        let collector = Collector()
        let channel = EmbeddedChannel()
        try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(FrameDecoder()))
        try channel.pipeline.syncOperations.addHandler(collector)
        var stream = try WireFormat.contiguousBytes(of: Frame(.getObject, requestID: 1, key: ByteBuffer(repeating: 1, count: 1025), payload: ByteBuffer(repeating: 2, count: 70_000)))
        stream.writeImmutableBuffer(try WireFormat.contiguousBytes(of: Frame(.getObject, requestID: 2, key: ByteBuffer(string: "fine"))))
        while stream.readableBytes > 0 {
            try channel.writeInbound(stream.readSlice(length: min(readSize, stream.readableBytes))!)
        }
        #expect(collector.refused.map(\.requestID) == [1])
        #expect(collector.refused.first?.error.code == .keyTooLong)
        #expect(collector.frames.map(\.requestID) == [2])
        #expect(collector.frames.first?.key == ByteBuffer(string: "fine"))
        _ = try channel.finish()
    }
}
