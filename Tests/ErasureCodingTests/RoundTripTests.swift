import ErasureCoding
import NIOCore
import TestSupport
import Testing

@Suite("Round trips under every erasure pattern")
struct RoundTripTests {
    static let codes: [(k: Int, r: Int)] = [(2, 1), (4, 2), (6, 3), (10, 2), (10, 4)]

    static func sizes(k: Int) -> [Int] {
        [0, 1, k - 1, k, k + 1, 63, 65, 4097, 10_000_000]
    }

    static let cases: [(k: Int, r: Int, size: Int)] = codes.flatMap { code in
        sizes(k: code.k).map { (code.k, code.r, $0) }
    }

    @Test("reassemble returns the exact bytes after losing any r or fewer chunks", arguments: cases)
    func everyPattern(k: Int, r: Int, size: Int) throws {
        let codec = try ReedSolomonCodec(dataChunkCount: k, parityChunkCount: r)
        let object = randomBytes(count: size, seed: UInt64(k * 1000 + r * 100 + size))
        let encoded = try codec.encode(object)
        #expect(encoded.layout.stripeCount == 1)
        let chunks = chunkArrays(encoded)[0]
        for lost in subsets(of: k + r, maximumSize: r) {
            let survivors = chunks.filter { !lost.contains($0.index) }
            let restored = try codec.reassemble([survivors], layout: encoded.layout)
            #expect(sameBytes(restored, object), "lost \(lost)")
        }
    }

    @Test("reconstruct recovers the lost chunks themselves, parity on request", arguments: codes)
    func reconstructChunks(k: Int, r: Int) throws {
        let codec = try ReedSolomonCodec(dataChunkCount: k, parityChunkCount: r)
        let object = randomBytes(count: 4097, seed: 7)
        let encoded = try codec.encode(object)
        let stripe = encoded.stripes[0].stripe
        let chunks = chunkArrays(encoded)[0]
        for lost in subsets(of: k + r, maximumSize: r) where !lost.isEmpty {
            let survivors = chunks.filter { !lost.contains($0.index) }
            let dataOnly = try codec.reconstruct(survivors, stripe: stripe)
            #expect(dataOnly.map(\.index) == lost.filter { $0 < k })
            let everything = try codec.reconstruct(survivors, stripe: stripe, includeParity: true)
            #expect(everything.map(\.index) == lost)
            for chunk in everything {
                #expect(sameBytes(chunk.bytes, chunks[chunk.index].bytes), "chunk \(chunk.index), lost \(lost)")
            }
        }
    }

    @Test("ByteBuffer and raw-pointer encodings give the same chunks as [UInt8]", arguments: [0, 5, 4097, 1 << 20])
    func inputKinds(size: Int) throws {
        let codec = try ReedSolomonCodec(dataChunkCount: 4, parityChunkCount: 2)
        let object = randomBytes(count: size, seed: 11)
        let expected = chunkArrays(try codec.encode(object, maxChunkLength: 100_000))

        let fromBuffer = try codec.encode(ByteBuffer(bytes: object), maxChunkLength: 100_000)
        #expect(fromBuffer.stripes.count == expected.count)
        for (stripe, chunks) in zip(fromBuffer.stripes, expected) {
            #expect(zip(stripe.chunks, chunks).allSatisfy { sameBytes($0.bytes, $1.bytes) })
        }

        try object.withUnsafeBytes { raw in
            try codec.withEncoding(of: raw, maxChunkLength: 100_000) { fromRaw in
                for (stripe, chunks) in zip(fromRaw.stripes, expected) {
                    #expect(zip(stripe.dataChunks, chunks).allSatisfy { sameBytes($0, $1.bytes) })
                    #expect(zip(stripe.parityChunks, chunks.dropFirst(4)).allSatisfy { sameBytes($0, $1.bytes) })
                }
            }
        }
    }

    @Test("reassembly into a ByteBuffer matches the object")
    func reassembleIntoByteBuffer() throws {
        let codec = try ReedSolomonCodec(dataChunkCount: 6, parityChunkCount: 3)
        let object = randomBytes(count: 123_457, seed: 3)
        let encoded = try codec.encode(ByteBuffer(bytes: object), maxChunkLength: 4096)
        let survivors = encoded.stripes.map { Array($0.chunks.dropFirst(3)) }
        let restored = try codec.reassemble(survivors, layout: encoded.layout, allocator: ByteBufferAllocator())
        #expect(sameBytes(restored, object))
    }

    @Test("verify accepts a consistent set and rejects a corrupted one")
    func verify() throws {
        let codec = try ReedSolomonCodec(dataChunkCount: 4, parityChunkCount: 2)
        let encoded = try codec.encode(randomBytes(count: 1001, seed: 5))
        let stripe = encoded.stripes[0].stripe
        var chunks = chunkArrays(encoded)[0]
        #expect(try codec.verify(chunks, stripe: stripe))
        for index in [0, 3, 5] {
            var corrupted = chunks
            corrupted[index].bytes[17] ^= 0x40
            #expect(try !codec.verify(corrupted, stripe: stripe), "corrupted chunk \(index)")
        }
        chunks.removeLast()
        #expect(throws: ErasureCodingError.self) { try codec.verify(chunks, stripe: stripe) }
    }
}

@Suite("Many stripes")
struct ManyStripesTests {
    @Test("an object of 100,000 stripes reassembles in a child task: no recursion grows with the stripes")
    func hundredThousandStripes() async throws {
        let codec = try ReedSolomonCodec(dataChunkCount: 2, parityChunkCount: 1)
        let layout = try codec.layout(forObjectLength: 100_000 * 2 * 64, maxChunkLength: 64)
        #expect(layout.stripeCount == 100_000)
        // The data chunks of every stripe: reassembly lends every chunk's bytes, which
        // once nested a closure per stripe and overflowed a task's stack.
        let object = randomBytes(count: layout.objectLength, seed: 8)
        let stripes = (0..<layout.stripeCount).map { index in
            let range = layout.stripe(index).objectRange
            return [
                IndexedChunk(index: 0, bytes: object[range.lowerBound..<(range.lowerBound + 64)]),
                IndexedChunk(index: 1, bytes: object[(range.lowerBound + 64)..<range.upperBound]),
            ]
        }
        let restored = try await Task.detached { try codec.reassemble(stripes, layout: layout) }.value
        #expect(restored == object)
    }
}
