public import NIOCore

extension ReedSolomonCodec {
    /// Writes bytes `range` of one stripe (offsets within the stripe) into `destination`,
    /// from any k or more of its chunks.
    ///
    /// When the data chunks holding the range are present, their bytes are copied and no
    /// Galois-field arithmetic runs; otherwise the stripe is reassembled into a scratch
    /// buffer and the range copied from it.
    ///
    /// - Parameters:
    ///   - chunks: at least k distinct chunks of the stripe, each `stripe.chunkLength` long.
    ///   - range: within `0 ..< stripe.length`.
    ///   - destination: exactly `range.count` bytes.
    /// - Throws: an ``ErasureCodingError``.
    public func reassemble<Bytes: ChunkBytes>(
        range: Range<Int>,
        of chunks: [IndexedChunk<Bytes>],
        stripe: Stripe,
        into destination: UnsafeMutableRawBufferPointer
    ) throws {
        guard range.lowerBound >= 0, range.upperBound <= stripe.length, destination.count == range.count else {
            throw ErasureCodingError(.bufferSizeMismatch, "bytes \(range) of a stripe of \(stripe.length) into \(destination.count) bytes")
        }
        guard !range.isEmpty else { return }
        let chunkLength = stripe.chunkLength
        let needed = (range.lowerBound / chunkLength)...((range.upperBound - 1) / chunkLength)
        let byIndex = Dictionary(chunks.map { ($0.index, $0.bytes) }, uniquingKeysWith: { first, _ in first })
        guard needed.allSatisfy({ byIndex[$0].map { $0.chunkByteCount == chunkLength } ?? false }) else {
            var scratch = [UInt8](repeating: 0, count: stripe.length)
            try scratch.withUnsafeMutableBytes { try self.reassembleStripe(chunks, stripe: stripe, into: $0) }
            scratch.withUnsafeBytes { destination.copyMemory(from: UnsafeRawBufferPointer(rebasing: $0[range])) }
            return
        }
        for index in needed {
            let chunkStart = index * chunkLength
            let part = range.clamped(to: chunkStart..<(chunkStart + chunkLength))
            byIndex[index]!.withUnsafeChunkBytes { bytes in
                UnsafeMutableRawBufferPointer(rebasing: destination[(part.lowerBound - range.lowerBound)...])
                    .copyMemory(from: UnsafeRawBufferPointer(rebasing: bytes[(part.lowerBound - chunkStart)..<(part.upperBound - chunkStart)]))
            }
        }
    }
}
