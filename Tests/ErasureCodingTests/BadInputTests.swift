import ErasureCoding
import NIOCore
import TestSupport
import Testing

@Suite("Bad input gets a typed error")
struct BadInputTests {
    let codec: ReedSolomonCodec
    let encoded: EncodedObject<ArraySlice<UInt8>>
    let chunks: [IndexedChunk<[UInt8]>]
    var stripe: Stripe { self.encoded.stripes[0].stripe }

    init() throws {
        self.codec = try ReedSolomonCodec(dataChunkCount: 4, parityChunkCount: 2)
        self.encoded = try self.codec.encode(randomBytes(count: 1000, seed: 1))
        self.chunks = chunkArrays(self.encoded)[0]
    }

    func expectCode(
        _ code: ErasureCodingError.Code,
        sourceLocation: SourceLocation = #_sourceLocation,
        _ body: () throws -> Void
    ) {
        do {
            try body()
            Issue.record("expected \(code), nothing was thrown", sourceLocation: sourceLocation)
        } catch let error as ErasureCodingError {
            #expect(error.code == code, "\(error)", sourceLocation: sourceLocation)
        } catch {
            Issue.record("expected ErasureCodingError, got \(error)", sourceLocation: sourceLocation)
        }
    }

    @Test("invalid k and r", arguments: [(0, 2), (-1, 0), (4, -1), (200, 56), (255, 1)])
    func invalidParameters(k: Int, r: Int) {
        self.expectCode(.invalidParameters) { _ = try ReedSolomonCodec(dataChunkCount: k, parityChunkCount: r) }
        self.expectCode(.invalidParameters) { _ = try StripeLayout(objectLength: 10, dataChunkCount: k, parityChunkCount: r) }
    }

    @Test("the largest code, k + r = 255, works")
    func largestCode() throws {
        let codec = try ReedSolomonCodec(dataChunkCount: 200, parityChunkCount: 55)
        let object = randomBytes(count: 5000, seed: 2)
        let chunks = chunkArrays(try codec.encode(object))[0]
        let survivors = Array(chunks.dropFirst(55))
        #expect(sameBytes(try codec.reassemble([survivors], layout: codec.layout(forObjectLength: 5000)), object))
    }

    @Test("invalid layouts")
    func invalidLayouts() {
        self.expectCode(.invalidParameters) { _ = try self.codec.layout(forObjectLength: 10, maxChunkLength: 0) }
        self.expectCode(.invalidParameters) { _ = try self.codec.layout(forObjectLength: 10, maxChunkLength: (16 << 20) + 1) }
        self.expectCode(.invalidParameters) { _ = try self.codec.layout(forObjectLength: -1) }
    }

    @Test("fewer than k chunks")
    func notEnoughChunks() {
        self.expectCode(.notEnoughChunks) {
            _ = try self.codec.reassemble([Array(self.chunks.prefix(3))], layout: self.encoded.layout)
        }
        self.expectCode(.notEnoughChunks) {
            _ = try self.codec.reconstruct(Array(self.chunks.suffix(3)), stripe: self.stripe)
        }
    }

    @Test("chunks of unequal or wrong length")
    func wrongLengths() {
        var short = self.chunks
        short[1].bytes.removeLast()
        self.expectCode(.chunkLengthMismatch) { _ = try self.codec.reassemble([short], layout: self.encoded.layout) }
        let long = self.chunks.map { IndexedChunk(index: $0.index, bytes: $0.bytes + [0]) }
        self.expectCode(.chunkLengthMismatch) { _ = try self.codec.reassemble([long], layout: self.encoded.layout) }
    }

    @Test("duplicate and out-of-range indexes")
    func badIndexes() {
        var duplicate = Array(self.chunks.prefix(4))
        duplicate[3].index = 0
        self.expectCode(.duplicateChunkIndex) { _ = try self.codec.reassemble([duplicate], layout: self.encoded.layout) }
        for index in [-1, 6, 255, 1000] {
            var outOfRange = Array(self.chunks.prefix(4))
            outOfRange[2].index = index
            self.expectCode(.chunkIndexOutOfRange) { _ = try self.codec.reassemble([outOfRange], layout: self.encoded.layout) }
        }
    }

    @Test("mismatched layouts and stripes")
    func mismatchedLayouts() throws {
        let other = try ReedSolomonCodec(dataChunkCount: 5, parityChunkCount: 1)
        self.expectCode(.layoutMismatch) { _ = try other.reassemble([self.chunks], layout: self.encoded.layout) }
        self.expectCode(.layoutMismatch) { _ = try other.reconstruct(self.chunks, stripe: self.stripe) }
        self.expectCode(.layoutMismatch) { _ = try self.codec.reassemble([self.chunks, self.chunks], layout: self.encoded.layout) }
        let negative = Stripe(length: -4, dataChunkCount: 4, parityChunkCount: 2)
        self.expectCode(.layoutMismatch) { _ = try self.codec.reconstruct(self.chunks, stripe: negative) }
    }

    @Test("output buffers of the wrong size")
    func wrongOutputBuffers() {
        var small = [UInt8](repeating: 0, count: 10)
        small.withUnsafeMutableBytes { destination in
            self.expectCode(.bufferSizeMismatch) {
                try self.codec.reassembleStripe(self.chunks, stripe: self.stripe, into: destination)
            }
            self.expectCode(.bufferSizeMismatch) {
                try self.codec.reconstruct(self.chunks, stripe: self.stripe, into: [IndexedChunk(index: 0, bytes: destination)])
            }
            self.expectCode(.bufferSizeMismatch) {
                try [UInt8](repeating: 1, count: 40).withUnsafeBytes { stripe in
                    try self.codec.encodeParity(of: stripe, into: [destination])
                }
            }
        }
    }
}
