import ErasureCoding
import NIOCore
import TestSupport
import Testing

@Suite("Reassembling a byte range of a stripe")
struct RangeReassemblyTests {
    @Test("every range, with the data chunks or after losing any r chunks, gives the stripe's bytes", arguments: [(4, 2, 1000), (3, 1, 3001), (5, 2, 4)])
    func everyRange(k: Int, r: Int, size: Int) throws {
        let codec = try ReedSolomonCodec(dataChunkCount: k, parityChunkCount: r)
        let object = randomBytes(count: size, seed: UInt64(size))
        let encoded = try codec.encode(object)
        let stripe = encoded.layout.stripe(0)
        let chunks = chunkArrays(encoded)[0]
        let ranges = [0..<0, 0..<1, 0..<size, (size / 3)..<(size / 2), (size - 1)..<size, stripe.chunkLength..<min(2 * stripe.chunkLength + 1, size)]
        for lost in subsets(of: k + r, maximumSize: r) {
            let survivors = chunks.filter { !lost.contains($0.index) }
            for range in ranges where range.upperBound <= size {
                var bytes = [UInt8](repeating: 0, count: range.count)
                try bytes.withUnsafeMutableBytes { try codec.reassemble(range: range, of: survivors, stripe: stripe, into: $0) }
                #expect(bytes == Array(object[range]), "lost \(lost), range \(range)")
            }
        }
    }

    @Test("a range outside the stripe or a destination of the wrong size is refused")
    func badRanges() throws {
        let codec = try ReedSolomonCodec(dataChunkCount: 2, parityChunkCount: 1)
        let encoded = try codec.encode(randomBytes(count: 100, seed: 1))
        let chunks = chunkArrays(encoded)[0]
        var bytes = [UInt8](repeating: 0, count: 10)
        #expect(throws: ErasureCodingError.self) {
            try bytes.withUnsafeMutableBytes { try codec.reassemble(range: 95..<105, of: chunks, stripe: encoded.layout.stripe(0), into: $0) }
        }
        #expect(throws: ErasureCodingError.self) {
            try bytes.withUnsafeMutableBytes { try codec.reassemble(range: 0..<5, of: chunks, stripe: encoded.layout.stripe(0), into: $0) }
        }
    }

    @Test("the stripes covering a byte range")
    func stripesCovering() throws {
        let layout = try StripeLayout(objectLength: 10_000, dataChunkCount: 2, parityChunkCount: 1, maxChunkLength: 1000)
        #expect(layout.stripeCount == 5)
        #expect(layout.stripes(covering: 0..<1) == 0..<1)
        #expect(layout.stripes(covering: 1999..<2001) == 0..<2)
        #expect(layout.stripes(covering: 0..<10_000) == 0..<5)
        #expect(layout.stripes(covering: 9_999..<50_000) == 4..<5)
        #expect(layout.stripes(covering: 60_000..<60_001) == 4..<5)
        #expect(layout.stripes(covering: 4000..<4000) == 2..<3)
    }
}
