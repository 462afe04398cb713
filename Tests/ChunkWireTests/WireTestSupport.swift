import ChunkWire
import LocalFunctionPlatform
import NIOCore
import TestSupport

/// A frame of `opcode` with every header field set from `generator`, a key and a payload.
func sampleFrame(_ opcode: Opcode, using generator: inout SplitMix64, payloadLength: Int = 100) -> Frame {
    let key = randomBytes(count: Int.random(in: 0...40, using: &generator), seed: generator.next())
    let payload = randomBytes(count: payloadLength, seed: generator.next())
    return Frame(
        opcode,
        requestID: generator.next(),
        flags: Bool.random(using: &generator) ? .more : [],
        key: ByteBuffer(bytes: key),
        stripeIndex: UInt32.random(in: 0...UInt32.max, using: &generator),
        chunkIndex: UInt8.random(in: 0...254, using: &generator),
        k: UInt8.random(in: 1...200, using: &generator),
        r: UInt8.random(in: 0...55, using: &generator),
        objectLength: generator.next(),
        objectVersion: UInt32.random(in: 0...UInt32.max, using: &generator),
        payload: ByteBuffer(bytes: payload)
    )
}

/// The wire bytes of `frame` with the header field at `offset` overwritten by `value`.
func bytes(of frame: Frame, patching offset: Int, with value: some FixedWidthInteger) throws -> ByteBuffer {
    var buffer = try WireFormat.contiguousBytes(of: frame)
    buffer.setInteger(value, at: offset, endianness: .little)
    return buffer
}

/// Parses every frame in `buffer`, which must hold whole frames only.
func parseAll(_ buffer: ByteBuffer, limits: WireLimits = .default) throws -> [Frame] {
    var buffer = buffer
    var frames: [Frame] = []
    let parser = FrameParser(limits: limits)
    while let frame = try parser.parse(&buffer) {
        frames.append(frame)
    }
    return frames
}
