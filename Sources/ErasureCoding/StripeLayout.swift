/// How an object of a given length is cut into stripes of k data + r parity chunks.
///
/// An object fills stripes of `k × maxChunkLength` bytes in order; the last stripe holds
/// the rest and has shorter chunks (`ceil(rest / k)` bytes). Within a stripe, data chunk
/// `i` holds the stripe's bytes `i × chunkLength ..< (i + 1) × chunkLength`; the bytes past
/// the end of the object are zero padding. An empty object has one stripe whose chunks are
/// empty, so that it still exists as an object.
///
/// The default maximum chunk length is 8 MiB: smaller chunks spread a large object over
/// more requests in flight, and every chunk travels, and is stored, as one buffer.
public struct StripeLayout: Hashable, Sendable {
    /// The largest maximum chunk length accepted: 16 MiB.
    public static let maximumChunkLength = 16 << 20
    /// The maximum chunk length used when none is given: 8 MiB.
    public static let defaultMaxChunkLength = 8 << 20

    /// Number of bytes in the object.
    public let objectLength: Int
    /// k: data chunks per stripe.
    public let dataChunkCount: Int
    /// r: parity chunks per stripe.
    public let parityChunkCount: Int
    /// Upper bound on any chunk's length.
    public let maxChunkLength: Int

    /// Describes how an object of `objectLength` bytes is striped for `k + r` coding.
    ///
    /// - Throws: ``ErasureCodingError/Code/invalidParameters`` when k, r or the maximum chunk
    ///   length is out of range or the object length is negative.
    public init(
        objectLength: Int,
        dataChunkCount k: Int,
        parityChunkCount r: Int,
        maxChunkLength: Int = StripeLayout.defaultMaxChunkLength
    ) throws(ErasureCodingError) {
        try Self.validate(dataChunkCount: k, parityChunkCount: r)
        guard (1...Self.maximumChunkLength).contains(maxChunkLength) else {
            throw ErasureCodingError(
                .invalidParameters,
                "max chunk length \(maxChunkLength) is not in 1...\(Self.maximumChunkLength)"
            )
        }
        guard objectLength >= 0 else {
            throw ErasureCodingError(.invalidParameters, "object length \(objectLength) is negative")
        }
        self.objectLength = objectLength
        self.dataChunkCount = k
        self.parityChunkCount = r
        self.maxChunkLength = maxChunkLength
    }

    /// Checks 1 <= k, 0 <= r and k + r <= 255 (the limit of GF(2^8) Cauchy codes).
    static func validate(dataChunkCount k: Int, parityChunkCount r: Int) throws(ErasureCodingError) {
        guard k >= 1, r >= 0, k + r <= 255 else {
            throw ErasureCodingError(
                .invalidParameters,
                "k = \(k), r = \(r): need 1 <= k, 0 <= r and k + r <= 255"
            )
        }
    }

    /// k + r: chunks per stripe.
    public var chunksPerStripe: Int { self.dataChunkCount + self.parityChunkCount }

    /// Object bytes held by one full stripe.
    public var fullStripeLength: Int { self.dataChunkCount * self.maxChunkLength }

    /// Bytes of every stripe's k + r chunks, padding included: what the object takes on
    /// its nodes, before their bookkeeping per chunk.
    public var codedLength: Int {
        let last = self.stripe(self.stripeCount - 1)
        return ((self.stripeCount - 1) * self.maxChunkLength + last.chunkLength) * self.chunksPerStripe
    }

    /// Number of stripes; at least one, even for an empty object.
    public var stripeCount: Int {
        max(1, (self.objectLength + self.fullStripeLength - 1) / self.fullStripeLength)
    }

    /// The stripe at `index`, which must be in `0 ..< stripeCount`.
    public func stripe(_ index: Int) -> Stripe {
        precondition((0..<self.stripeCount).contains(index), "stripe index \(index) out of range")
        let offset = index * self.fullStripeLength
        return Stripe(
            index: index,
            objectOffset: offset,
            length: min(self.fullStripeLength, self.objectLength - offset),
            dataChunkCount: self.dataChunkCount,
            parityChunkCount: self.parityChunkCount
        )
    }

    /// The stripes that hold the object bytes at `range` (clamped to the object): the one
    /// where an empty range begins, and at least one.
    public func stripes(covering range: Range<Int>) -> Range<Int> {
        let last = self.stripeCount - 1
        let lower = min(max(range.lowerBound, 0) / self.fullStripeLength, last)
        let upper = range.isEmpty ? lower : min(max(range.upperBound - 1, 0) / self.fullStripeLength, last)
        return lower..<(max(upper, lower) + 1)
    }

    /// Every stripe, in object order.
    public var stripes: [Stripe] {
        (0..<self.stripeCount).map(self.stripe)
    }
}
