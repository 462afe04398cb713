import ErasureCoding
import NIOCore
import TestSupport
import Testing

@Suite("Stripe layout and multi-stripe objects")
struct LayoutTests {
    @Test("stripe count, chunk lengths and padding")
    func layoutArithmetic() throws {
        let layout = try StripeLayout(objectLength: 10_000, dataChunkCount: 4, parityChunkCount: 2, maxChunkLength: 1000)
        #expect(layout.stripeCount == 3)
        #expect(layout.stripes.map(\.length) == [4000, 4000, 2000])
        #expect(layout.stripes.map(\.chunkLength) == [1000, 1000, 500])
        #expect(layout.stripes.map(\.paddingLength) == [0, 0, 0])
        #expect(layout.stripes.map(\.objectOffset) == [0, 4000, 8000])

        let odd = try StripeLayout(objectLength: 4003, dataChunkCount: 4, parityChunkCount: 2, maxChunkLength: 1000)
        #expect(odd.stripes.map(\.chunkLength) == [1000, 1])
        #expect(odd.stripes[1].paddingLength == 1)
        #expect((0..<4).map(odd.stripes[1].payloadLength(ofDataChunk:)) == [1, 1, 1, 0])

        let empty = try StripeLayout(objectLength: 0, dataChunkCount: 4, parityChunkCount: 2)
        #expect(empty.stripeCount == 1)
        #expect(empty.stripes[0].chunkLength == 0)

        let big = try StripeLayout(objectLength: 100 << 20, dataChunkCount: 10, parityChunkCount: 2)
        #expect(big.maxChunkLength == 8 << 20)
        #expect(big.stripes.allSatisfy { $0.chunkLength <= 8 << 20 })
        #expect(big.stripes.map(\.length).reduce(0, +) == 100 << 20)
    }

    @Test(
        "multi-stripe objects round-trip, tail stripe shorter",
        arguments: [(4, 2, 10_000), (4, 2, 10_001), (10, 4, 123_456), (3, 0, 7777)]
    )
    func multiStripeRoundTrip(k: Int, r: Int, size: Int) throws {
        let codec = try ReedSolomonCodec(dataChunkCount: k, parityChunkCount: r)
        let object = randomBytes(count: size, seed: UInt64(size))
        let encoded = try codec.encode(object, maxChunkLength: 997)
        #expect(encoded.layout.stripeCount > 1)
        let stripes = encoded.layout.stripes
        #expect(stripes.last!.chunkLength < stripes.first!.chunkLength)
        let chunks = chunkArrays(encoded)
        // Each stripe loses a different set of r chunks.
        let survivors = chunks.enumerated().map { position, stripe in
            let lost = (0..<r).map { (position + $0) % (k + r) }
            return stripe.filter { !lost.contains($0.index) }
        }
        #expect(survivors.allSatisfy { $0.count >= k })
        #expect(sameBytes(try codec.reassemble(survivors, layout: encoded.layout), object))
    }
}
