import ErasureCoding
import NIOCore
import TestSupport
import Testing

@Suite("Zero copy")
struct ZeroCopyTests {
    @Test("data chunks of an array are views into its storage")
    func arrayViews() throws {
        let codec = try ReedSolomonCodec(dataChunkCount: 4, parityChunkCount: 2)
        let object = randomBytes(count: 4000, seed: 1)
        let encoded = try codec.encode(object)
        let base = object.withUnsafeBytes { UInt(bitPattern: $0.baseAddress) }
        for (index, chunk) in encoded.stripes[0].dataChunks.enumerated() {
            let address = chunk.withUnsafeBytes { UInt(bitPattern: $0.baseAddress) }
            #expect(address == base + UInt(index * 1000))
        }
    }

    @Test("data chunks of a ByteBuffer share its storage; only the padded tail is new")
    func byteBufferViews() throws {
        let codec = try ReedSolomonCodec(dataChunkCount: 4, parityChunkCount: 2)
        var object = ByteBuffer(bytes: randomBytes(count: 4010, seed: 2))
        object.moveReaderIndex(forwardBy: 10)
        let base = object.withUnsafeReadableBytes { UInt(bitPattern: $0.baseAddress) }
        let encoded = try codec.encode(object)
        let addresses = encoded.stripes[0].dataChunks.map { $0.withUnsafeReadableBytes { UInt(bitPattern: $0.baseAddress) } }
        #expect(Array(addresses.prefix(4)) == (0..<4).map { base + UInt($0 * 1000) })

        let padded = try codec.encode(ByteBuffer(bytes: randomBytes(count: 4003, seed: 3)))
        let tail = padded.stripes[0].dataChunks[3]
        #expect(tail.readableBytes == 1001)
        #expect(tail.getBytes(at: tail.readerIndex + 1000, length: 1) == [0])
    }

    @Test("data chunks past the first 16 MiB of a ByteBuffer share its storage too")
    func largeByteBufferViews() throws {
        let codec = try ReedSolomonCodec(dataChunkCount: 4, parityChunkCount: 1)
        let chunkLength = 1 << 20
        let object = ByteBuffer(bytes: randomBytes(count: 24 * chunkLength, seed: 4))
        let base = object.withUnsafeReadableBytes { UInt(bitPattern: $0.baseAddress) }
        let encoded = try codec.encode(object, maxChunkLength: chunkLength)
        let chunks = encoded.stripes.flatMap(\.dataChunks)
        #expect(chunks.count == 24)
        for (index, chunk) in chunks.enumerated() {
            #expect(chunk.readableBytes == chunkLength)
            #expect(chunk.withUnsafeReadableBytes { UInt(bitPattern: $0.baseAddress) } == base + UInt(index * chunkLength), "chunk \(index)")
        }
        #expect(chunks[20].readableBytesView.elementsEqual(object.readableBytesView.dropFirst(20 * chunkLength).prefix(chunkLength)))
    }

    @Test("parity chunks start on a 64-byte boundary")
    func alignedParity() throws {
        let codec = try ReedSolomonCodec(dataChunkCount: 10, parityChunkCount: 4)
        for size in [1, 999, 100_000] {
            for chunk in try codec.encode(randomBytes(count: size, seed: 5)).stripes[0].parityChunks {
                #expect(chunk.withUnsafeReadableBytes { UInt(bitPattern: $0.baseAddress) % 64 } == 0)
            }
        }
    }

    @Test("encoding into caller buffers matches the allocating encode")
    func callerBuffers() throws {
        let codec = try ReedSolomonCodec(dataChunkCount: 4, parityChunkCount: 2)
        let object = randomBytes(count: 4003, seed: 6)
        let expected = try codec.encode(object).stripes[0].parityChunks
        var parity0 = [UInt8](repeating: 0, count: 1001)
        var parity1 = parity0
        try object.withUnsafeBytes { stripe in
            try parity0.withUnsafeMutableBytes { p0 in
                try parity1.withUnsafeMutableBytes { p1 in
                    try codec.encodeParity(of: stripe, into: [p0, p1])
                }
            }
        }
        #expect(sameBytes(parity0, expected[0]) && sameBytes(parity1, expected[1]))
    }
}
