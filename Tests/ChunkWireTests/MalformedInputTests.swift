import ChunkWire
import LocalFunctionPlatform
import NIOCore
import NIOEmbedded
import TestSupport
import Testing

@Suite("Malformed input")
struct MalformedInputTests {
    private var generator = SplitMix64(seed: 7)

    private mutating func frame(payloadLength: Int = 100) -> Frame {
        sampleFrame(.putChunk, using: &self.generator, payloadLength: payloadLength)
    }

    private func expectError(_ code: WireError.Code, parsing buffer: ByteBuffer, limits: WireLimits = .default) {
        #expect {
            _ = try parseAll(buffer, limits: limits)
        } throws: { error in
            (error as? WireError)?.code == code
        }
    }

    @Test("bad magic is refused from its first four bytes")
    mutating func badMagic() throws {
        self.expectError(.badMagic, parsing: ByteBuffer(bytes: Array("GET ".utf8)))
        self.expectError(.badMagic, parsing: try bytes(of: self.frame(), patching: 0, with: UInt32(0xDEAD_BEEF)))
    }

    @Test("unknown version and opcode are refused, not skipped")
    mutating func unknownVersionAndOpcode() throws {
        self.expectError(.unsupportedVersion, parsing: try bytes(of: self.frame(), patching: 4, with: WireFormat.version &+ 1))
        self.expectError(.unknownOpcode, parsing: try bytes(of: self.frame(), patching: 5, with: UInt8(0x7F)))
        self.expectError(.unknownOpcode, parsing: try bytes(of: self.frame(), patching: 5, with: UInt8(0x21)))
    }

    @Test("undefined flags and non-zero reserved bytes are refused")
    mutating func reservedBits() throws {
        self.expectError(.reservedBitsSet, parsing: try bytes(of: self.frame(), patching: 6, with: UInt16(0x8000)))
        self.expectError(.reservedBitsSet, parsing: try bytes(of: self.frame(), patching: 41, with: UInt8(1)))
        self.expectError(.reservedBitsSet, parsing: try bytes(of: self.frame(), patching: 43, with: UInt8(1)))
    }

    @Test("a key over the limit is refused from the header alone")
    mutating func keyTooLong() throws {
        var header = try bytes(of: self.frame(), patching: 36, with: UInt16(2000))
        header.moveWriterIndex(to: WireFormat.headerLength)
        self.expectError(.keyTooLong, parsing: header)
    }

    @Test("a payload over the limit is refused before any of it arrives or is allocated")
    mutating func payloadTooLarge() throws {
        var header = try bytes(of: self.frame(), patching: 28, with: UInt32.max)
        header.moveWriterIndex(to: WireFormat.headerLength)
        self.expectError(.payloadTooLarge, parsing: header)
        var small = try bytes(of: self.frame(payloadLength: 200), patching: 28, with: UInt32(200))
        small.moveWriterIndex(to: WireFormat.headerLength)
        self.expectError(.payloadTooLarge, parsing: small, limits: WireLimits(maximumPayloadLength: 199))
    }

    @Test("a truncated header or payload waits for more bytes, and is an error at end of stream")
    mutating func truncated() throws {
        let whole = try WireFormat.contiguousBytes(of: self.frame())
        for cut in [10, WireFormat.headerLength, whole.readableBytes - 1] {
            var partial = whole.getSlice(at: 0, length: cut)!
            #expect(try FrameParser().parse(&partial) == nil)
            #expect(partial.readableBytes == cut, "nothing is consumed until the frame is whole")

            let channel = EmbeddedChannel(handler: ByteToMessageHandler(FrameDecoder()))
            try channel.writeInbound(partial)
            #expect {
                _ = try channel.finish()
            } throws: { error in
                (error as? WireError)?.code == .truncatedFrame
            }
        }
    }

    @Test("a stream that ends while a large payload is being gathered is a truncated frame")
    mutating func truncatedWhileGathering() throws {
        let whole = try WireFormat.contiguousBytes(of: self.frame(payloadLength: 200_000))
        let channel = EmbeddedChannel(handler: ByteToMessageHandler(FrameDecoder()))
        try channel.writeInbound(whole.getSlice(at: 0, length: 100_000)!)
        #expect {
            _ = try channel.finish()
        } throws: { error in
            (error as? WireError)?.code == .truncatedFrame
        }
    }

    @Test("a corrupted payload decodes but fails its checksum, for that frame only")
    mutating func checksumMismatch() throws {
        var wire = try WireFormat.contiguousBytes(of: self.frame())
        let good = try WireFormat.contiguousBytes(of: self.frame())
        wire.setInteger(wire.getInteger(at: wire.writerIndex - 1, as: UInt8.self)! ^ 0x01, at: wire.writerIndex - 1)
        wire.writeImmutableBuffer(good)
        let frames = try parseAll(wire)
        #expect(frames.count == 2)
        #expect {
            try frames[0].verifyPayloadChecksum()
        } throws: { error in
            (error as? WireError)?.code == .checksumMismatch
        }
        try frames[1].verifyPayloadChecksum()
    }

    @Test("a decoder that saw garbage reports it through the channel instead of crashing")
    func garbageThroughChannel() throws {
        let channel = EmbeddedChannel(handler: ByteToMessageHandler(FrameDecoder()))
        #expect {
            try channel.writeInbound(ByteBuffer(bytes: Array(repeating: 0x41, count: 64)))
        } throws: { error in
            (error as? WireError)?.code == .badMagic
        }
        _ = try? channel.finish()
    }
}
