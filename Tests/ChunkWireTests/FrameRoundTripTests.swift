import ChunkWire
import LocalFunctionPlatform
import NIOCore
import NIOEmbedded
import NIOTestUtils
import TestSupport
import Testing

@Suite("Frame round trips")
struct FrameRoundTripTests {
    @Test("every opcode survives encode then decode", arguments: Opcode.allCases)
    func everyOpcode(opcode: Opcode) throws {
        var generator = SplitMix64(seed: UInt64(opcode.rawValue))
        let frame = sampleFrame(opcode, using: &generator)
        let decoded = try parseAll(try WireFormat.contiguousBytes(of: frame))
        #expect(decoded == [frame])
        try decoded[0].verifyPayloadChecksum()
    }

    @Test("an empty key and payload round-trip")
    func emptyFrame() throws {
        let frame = Frame(.ping, requestID: 7)
        #expect(frame.encodedLength == WireFormat.headerLength)
        #expect(try parseAll(try WireFormat.contiguousBytes(of: frame)) == [frame])
    }

    @Test("the decoder yields the same frames whether bytes come one by one or in batches")
    func decoderVerifier() throws {
        var generator = SplitMix64(seed: 42)
        let pairs = try Opcode.allCases.map { opcode in
            let frame = sampleFrame(opcode, using: &generator, payloadLength: Int.random(in: 0...300, using: &generator))
            return (try WireFormat.contiguousBytes(of: frame), [frame])
        }
        try ByteToMessageDecoderVerifier.verifyDecoder(inputOutputPairs: pairs) { FrameDecoder() }
        // With a tiny threshold every payload that spans reads is gathered instead.
        try ByteToMessageDecoderVerifier.verifyDecoder(inputOutputPairs: pairs) { FrameDecoder(gatheringThreshold: 8) }
    }

    @Test("hello and error messages round-trip through their frames")
    func messages() throws {
        let hello = HelloMessage(functionID: "node-7", instanceID: 3, memoryCapacity: 256 << 20, token: Array("secret".utf8))
        let helloFrame = try parseAll(try WireFormat.contiguousBytes(of: hello.frame()))[0]
        #expect(try HelloMessage(from: helloFrame) == hello)

        let error = ErrorMessage(.capacityExceeded, "node is full")
        let errorFrame = try parseAll(try WireFormat.contiguousBytes(of: error.frame(requestID: 9)))[0]
        #expect(errorFrame.requestID == 9)
        #expect(try ErrorMessage(from: errorFrame) == error)
        #expect(ErrorMessage.Code(rawValue: 999).description == "error 999")
    }

    @Test("a malformed hello or error body is a malformedMessage error")
    func malformedMessages() {
        let truncated = Frame(.hello, payload: ByteBuffer(bytes: [1, 2, 3]))
        #expect(throws: WireError.self) { try HelloMessage(from: truncated) }
        #expect(throws: WireError.self) { try HelloMessage(from: Frame(.ping)) }
        var trailing = HelloMessage(functionID: "f", instanceID: 1, memoryCapacity: 1, token: []).frame()
        trailing.payload.writeInteger(UInt8(0))
        #expect(throws: WireError.self) { try HelloMessage(from: trailing) }
        #expect(throws: WireError.self) { try ErrorMessage(from: Frame(.error, payload: ByteBuffer(bytes: [1]))) }
    }
}
