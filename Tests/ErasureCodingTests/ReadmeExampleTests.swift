import ErasureCoding
import NIOCore
import TestSupport
import Testing

/// The README's codec snippet, kept compiling and correct.
@Suite("README example")
struct ReadmeExampleTests {
    @Test("the codec usage snippet round-trips")
    func codecSnippet() throws {
        let codec = try ReedSolomonCodec(dataChunkCount: 10, parityChunkCount: 4)
        let object: [UInt8] = Array(repeating: 7, count: 20_000_000)
        let encoded = try codec.encode(object)
        #expect(encoded.layout.stripeCount == 1)
        let survivors: [[IndexedChunk<ByteBuffer>]] = encoded.stripes.map { stripe in
            let data = stripe.dataChunks.enumerated().map { IndexedChunk(index: $0.offset, bytes: ByteBuffer(bytes: $0.element)) }
            let parity = stripe.parityChunks.enumerated().map { IndexedChunk(index: 10 + $0.offset, bytes: $0.element) }
            return Array((data + parity).dropFirst(4))
        }
        let restored: ByteBuffer = try codec.reassemble(survivors, layout: encoded.layout, allocator: ByteBufferAllocator())
        #expect(sameBytes(restored, object))
        #expect(CRC32C.checksum(Array("123456789".utf8)) == 0xE306_9283)
    }
}
