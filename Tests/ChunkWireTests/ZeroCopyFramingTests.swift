import ChunkWire
import LocalFunctionPlatform
import NIOCore
import NIOEmbedded
import TestSupport
import Testing

/// The address of a buffer's first readable byte: equal addresses mean shared storage.
private func address(of buffer: ByteBuffer) -> UnsafeRawPointer? {
    buffer.withUnsafeReadableBytes { UnsafeRawPointer($0.baseAddress) }
}

@Suite("Zero-copy framing")
struct ZeroCopyFramingTests {
    @Test("parsed key and payload point into the received buffer")
    func parserSlices() throws {
        var generator = SplitMix64(seed: 3)
        let frame = sampleFrame(.chunkData, using: &generator, payloadLength: 1 << 20)
        let wire = try WireFormat.contiguousBytes(of: frame)
        let decoded = try parseAll(wire)[0]
        let base = address(of: wire)!
        #expect(address(of: decoded.key) == base + WireFormat.headerLength)
        #expect(address(of: decoded.payload) == base + WireFormat.headerLength + frame.key.readableBytes)
    }

    @Test("the channel decoder slices the cumulation buffer instead of copying")
    func decoderSlices() throws {
        var generator = SplitMix64(seed: 4)
        let frame = sampleFrame(.putChunk, using: &generator, payloadLength: 8 << 20)
        let wire = try WireFormat.contiguousBytes(of: frame)
        let channel = EmbeddedChannel(handler: ByteToMessageHandler(FrameDecoder()))
        try channel.writeInbound(wire)
        let decoded = try #require(try channel.readInbound(as: Frame.self))
        #expect(decoded == frame)
        #expect(address(of: decoded.payload) == address(of: wire)! + WireFormat.headerLength + frame.key.readableBytes)
        #expect(try channel.finish().isClean)
    }

    @Test("a large payload that spans reads is gathered once into a buffer of its own size")
    func gathering() throws {
        var generator = SplitMix64(seed: 6)
        let frame = sampleFrame(.putChunk, using: &generator, payloadLength: 8 << 20)
        let wire = try WireFormat.contiguousBytes(of: frame)
        let channel = EmbeddedChannel(handler: ByteToMessageHandler(FrameDecoder()))
        var offset = 0
        for length in [30, 70_000, 4 << 20, wire.readableBytes - 30 - 70_000 - (4 << 20)] {
            try channel.writeInbound(wire.getSlice(at: offset, length: length)!)
            offset += length
        }
        let decoded = try #require(try channel.readInbound(as: Frame.self))
        #expect(decoded == frame)
        #expect(decoded.payload.capacity == 8 << 20, "no rounding up to 16 MiB for the header's sake")
        #expect(decoded.key.capacity < 1024, "the key does not pin a received buffer")
        #expect(try channel.finish().isClean)
    }

    @Test("the encoder writes the payload buffer itself, after a separate header buffer")
    func encoderPassesPayloadThrough() throws {
        var generator = SplitMix64(seed: 5)
        let frame = sampleFrame(.chunkData, using: &generator, payloadLength: 4096)
        let channel = EmbeddedChannel(handler: FrameEncoder())
        try channel.writeOutbound(frame)
        let header = try #require(try channel.readOutbound(as: ByteBuffer.self))
        let payload = try #require(try channel.readOutbound(as: ByteBuffer.self))
        #expect(header.readableBytes == WireFormat.headerLength + frame.key.readableBytes)
        #expect(address(of: payload) == address(of: frame.payload))
        var joined = header
        joined.writeImmutableBuffer(payload)
        #expect(try joined == WireFormat.contiguousBytes(of: frame))
        #expect(try channel.finish().isClean)
    }
}
