internal import CISAL

/// A systematic Reed-Solomon code over GF(2^8) with k data and r parity chunks per stripe,
/// built on a Cauchy matrix (every k × k submatrix is invertible, so any k of the k + r
/// chunks recover the stripe) and computed by Intel ISA-L's SIMD kernels.
///
/// With one data chunk (k = 1) the code is replication: every coefficient is 1, so each
/// of the r parity chunks is a copy of the data chunk (the repetition code, which is the
/// k = 1 MDS code), and any one chunk is the stripe.
///
/// One codec is immutable and `Sendable`: share it across tasks and threads. Decode tables
/// are cached per erasure pattern in a bounded, thread-safe cache.
///
/// ```swift
/// let codec = try ReedSolomonCodec(dataChunkCount: 10, parityChunkCount: 4)
/// let encoded = try codec.encode(bytes)                      // views + parity
/// let survivors = encoded.stripes.map { Array($0.chunks.dropFirst(4)) }  // any k per stripe
/// let restored: [UInt8] = try codec.reassemble(survivors, layout: encoded.layout)
/// ```
public final class ReedSolomonCodec: Sendable {
    /// k: data chunks per stripe.
    public let dataChunkCount: Int
    /// r: parity chunks per stripe.
    public let parityChunkCount: Int
    /// Threads one call may use.
    public let concurrency: CodingConcurrency

    /// The `(k + r) × k` generator matrix, row-major: identity on top, Cauchy rows below
    /// (all ones when k = 1).
    let generator: [UInt8]
    /// Tables that compute the r parity rows from the k data rows.
    let parityTables: GaloisTables
    let decodeCache: DecodeTableCache

    /// Creates a codec for `k` data and `r` parity chunks.
    ///
    /// - Parameters:
    ///   - k: data chunks per stripe, at least 1.
    ///   - r: parity chunks per stripe, at least 0; `k + r` at most 255.
    ///   - concurrency: threads one call may use; ``CodingConcurrency/automatic`` by default.
    ///   - decodeCacheCapacity: erasure patterns whose decode tables are kept.
    /// - Throws: ``ErasureCodingError/Code/invalidParameters``.
    public init(
        dataChunkCount k: Int,
        parityChunkCount r: Int,
        concurrency: CodingConcurrency = .automatic,
        decodeCacheCapacity: Int = 256
    ) throws(ErasureCodingError) {
        try StripeLayout.validate(dataChunkCount: k, parityChunkCount: r)
        self.dataChunkCount = k
        self.parityChunkCount = r
        self.concurrency = concurrency
        var generator = [UInt8](repeating: 0, count: (k + r) * k)
        if k == 1 {
            generator = [UInt8](repeating: 1, count: 1 + r)
        } else {
            generator.withUnsafeMutableBufferPointer { matrix in
                gf_gen_cauchy1_matrix(matrix.baseAddress, Int32(k + r), Int32(k))
            }
        }
        self.generator = generator
        self.parityTables = GaloisTables(
            coefficients: Array(generator[(k * k)...]),
            sourceCount: k,
            outputCount: r
        )
        self.decodeCache = DecodeTableCache(capacity: decodeCacheCapacity)
    }

    /// Whether the code is replication (k = 1): every chunk is a copy of the stripe.
    public var isReplication: Bool { self.dataChunkCount == 1 }

    /// k + r: chunks per stripe.
    public var chunksPerStripe: Int { self.dataChunkCount + self.parityChunkCount }

    /// The layout of an object of `objectLength` bytes under this codec's (k, r).
    public func layout(
        forObjectLength objectLength: Int,
        maxChunkLength: Int = StripeLayout.defaultMaxChunkLength
    ) throws(ErasureCodingError) -> StripeLayout {
        try StripeLayout(
            objectLength: objectLength,
            dataChunkCount: self.dataChunkCount,
            parityChunkCount: self.parityChunkCount,
            maxChunkLength: maxChunkLength
        )
    }

    /// The description of a single stripe holding `length` bytes under this codec's (k, r).
    public func stripe(ofLength length: Int) -> Stripe {
        Stripe(length: length, dataChunkCount: self.dataChunkCount, parityChunkCount: self.parityChunkCount)
    }

    func check(_ layout: StripeLayout) throws(ErasureCodingError) {
        guard layout.dataChunkCount == self.dataChunkCount, layout.parityChunkCount == self.parityChunkCount else {
            throw ErasureCodingError(
                .layoutMismatch,
                "layout is for \(layout.dataChunkCount)+\(layout.parityChunkCount), codec is \(self.dataChunkCount)+\(self.parityChunkCount)"
            )
        }
    }

    func check(_ stripe: Stripe) throws(ErasureCodingError) {
        guard stripe.dataChunkCount == self.dataChunkCount, stripe.parityChunkCount == self.parityChunkCount else {
            throw ErasureCodingError(
                .layoutMismatch,
                "stripe is for \(stripe.dataChunkCount)+\(stripe.parityChunkCount), codec is \(self.dataChunkCount)+\(self.parityChunkCount)"
            )
        }
        guard stripe.length >= 0, stripe.length <= StripeLayout.maximumChunkLength * self.dataChunkCount else {
            throw ErasureCodingError(.layoutMismatch, "stripe length \(stripe.length) is out of range")
        }
    }
}
