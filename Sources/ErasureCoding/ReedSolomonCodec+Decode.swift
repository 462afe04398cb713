internal import CISAL
public import NIOCore

extension ReedSolomonCodec {
    /// Writes the exact bytes of one stripe (padding stripped) into `destination`, from any
    /// k or more of its k + r chunks.
    ///
    /// Data chunks that are present are copied; when all k are present no Galois-field
    /// arithmetic runs. Lost data chunks are decoded straight into `destination`.
    ///
    /// - Parameters:
    ///   - chunks: at least k distinct chunks of the stripe, each `stripe.chunkLength` long.
    ///   - destination: exactly `stripe.length` bytes.
    /// - Throws: an ``ErasureCodingError``.
    @inlinable
    public func reassembleStripe<Bytes: ChunkBytes>(
        _ chunks: [IndexedChunk<Bytes>],
        stripe: Stripe,
        into destination: UnsafeMutableRawBufferPointer
    ) throws {
        try withUnsafeChunkPointers(chunks) { chunks in
            try self.reassembleStripe(pointers: chunks, stripe: stripe, into: destination)
        }
    }

    @usableFromInline
    func reassembleStripe(
        pointers chunks: [IndexedChunk<UnsafeRawBufferPointer>],
        stripe: Stripe,
        into destination: UnsafeMutableRawBufferPointer
    ) throws {
        guard destination.count == stripe.length else {
            throw ErasureCodingError(.bufferSizeMismatch, "destination holds \(destination.count) bytes, stripe has \(stripe.length)")
        }
        let present = try self.validate(chunks, stripe: stripe, minimumCount: self.dataChunkCount)
        let chunkLength = stripe.chunkLength
        guard chunkLength > 0 else { return }
        let target = destination.baseAddress!.assumingMemoryBound(to: UInt8.self)
        for chunk in chunks where chunk.index < self.dataChunkCount {
            let count = stripe.payloadLength(ofDataChunk: chunk.index)
            UnsafeMutableRawBufferPointer(start: target + chunk.index * chunkLength, count: count)
                .copyMemory(from: UnsafeRawBufferPointer(rebasing: chunk.bytes[..<count]))
        }
        let lost = (0..<self.dataChunkCount).filter { !present.contains($0) }
        guard !lost.isEmpty else { return }

        // Data chunk `fullChunks` ends `partialLength` bytes in; later chunks are all padding.
        let fullChunks = stripe.length / chunkLength
        let partialLength = stripe.length % chunkLength
        func outputs(before limit: Int) -> [IndexedChunk<UnsafeMutablePointer<UInt8>>] {
            lost.filter { $0 < limit }.map { IndexedChunk(index: $0, bytes: target + $0 * chunkLength) }
        }
        self.decode(from: chunks, outputs: outputs(before: fullChunks + 1), columns: 0..<partialLength)
        self.decode(from: chunks, outputs: outputs(before: fullChunks), columns: partialLength..<chunkLength)
    }

    /// The exact bytes of an object, from at least k chunks of each of its stripes.
    ///
    /// - Parameters:
    ///   - stripes: one array of chunks per stripe of `layout`, in stripe order.
    ///   - layout: the layout the object was encoded with.
    /// - Throws: an ``ErasureCodingError``.
    @inlinable
    public func reassemble<Bytes: ChunkBytes>(_ stripes: [[IndexedChunk<Bytes>]], layout: StripeLayout) throws -> [UInt8] {
        try self.check(layout, stripeCount: stripes.count)
        return try [UInt8](unsafeUninitializedCapacity: layout.objectLength) { object, initialized in
            try self.reassemble(stripes, layout: layout, into: UnsafeMutableRawBufferPointer(object))
            initialized = layout.objectLength
        }
    }

    /// The exact bytes of an object in one `ByteBuffer`, from at least k chunks of each of
    /// its stripes.
    @inlinable
    public func reassemble<Bytes: ChunkBytes>(
        _ stripes: [[IndexedChunk<Bytes>]],
        layout: StripeLayout,
        allocator: ByteBufferAllocator
    ) throws -> ByteBuffer {
        try self.check(layout, stripeCount: stripes.count)
        guard layout.objectLength <= UInt32.max else {
            throw ErasureCodingError(.objectTooLarge, "\(layout.objectLength) bytes do not fit one ByteBuffer")
        }
        var buffer = allocator.buffer(capacity: layout.objectLength)
        try buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: layout.objectLength) { free in
            try self.reassemble(stripes, layout: layout, into: UnsafeMutableRawBufferPointer(rebasing: free[..<layout.objectLength]))
            return layout.objectLength
        }
        return buffer
    }

    /// Reassembles stripe after stripe into `object`: the chunk pointers of one stripe at
    /// a time, so the nesting that lends them stays at most k + r deep however many stripes
    /// the object has.
    @inlinable
    func reassemble<Bytes: ChunkBytes>(_ stripes: [[IndexedChunk<Bytes>]], layout: StripeLayout, into object: UnsafeMutableRawBufferPointer) throws {
        for (index, chunks) in stripes.enumerated() {
            let stripe = layout.stripe(index)
            try self.reassembleStripe(chunks, stripe: stripe, into: UnsafeMutableRawBufferPointer(rebasing: object[stripe.objectRange]))
        }
    }

    /// Recovers the chunks that `chunks` lacks: every lost data chunk, and every lost parity
    /// chunk too when `includeParity` is true. Recovered chunks are 64-byte aligned.
    ///
    /// - Throws: an ``ErasureCodingError``.
    @inlinable
    public func reconstruct<Bytes: ChunkBytes>(
        _ chunks: [IndexedChunk<Bytes>],
        stripe: Stripe,
        includeParity: Bool = false,
        allocator: ByteBufferAllocator = ByteBufferAllocator()
    ) throws -> [IndexedChunk<ByteBuffer>] {
        try withUnsafeChunkPointers(chunks) { chunks in
            try self.reconstruct(pointers: chunks, stripe: stripe, includeParity: includeParity, allocator: allocator)
        }
    }

    @usableFromInline
    func reconstruct(
        pointers chunks: [IndexedChunk<UnsafeRawBufferPointer>],
        stripe: Stripe,
        includeParity: Bool,
        allocator: ByteBufferAllocator
    ) throws -> [IndexedChunk<ByteBuffer>] {
        let present = ChunkSet(chunks.map(\.index).filter { (0..<256).contains($0) })
        let wanted = (0..<(includeParity ? self.chunksPerStripe : self.dataChunkCount)).filter { !present.contains($0) }
        var buffers = wanted.map { _ in allocator.alignedBuffer(length: max(0, stripe.chunkLength), zeroed: false) }
        try withUnsafeMutableReadableBytes(of: &buffers) { outputs in
            try self.reconstruct(
                pointers: chunks,
                stripe: stripe,
                into: zip(wanted, outputs).map { IndexedChunk(index: $0, bytes: $1) }
            )
        }
        return zip(wanted, buffers).map { IndexedChunk(index: $0, bytes: $1) }
    }

    /// Computes the chunks named by `outputs` into their buffers from at least k chunks of
    /// the stripe; any index may be asked for, present or not.
    ///
    /// - Parameters:
    ///   - chunks: at least k distinct chunks of the stripe, each `stripe.chunkLength` long.
    ///   - outputs: distinct chunk indexes, each with a buffer of `stripe.chunkLength` bytes.
    /// - Throws: an ``ErasureCodingError``.
    @inlinable
    public func reconstruct<Bytes: ChunkBytes>(
        _ chunks: [IndexedChunk<Bytes>],
        stripe: Stripe,
        into outputs: [IndexedChunk<UnsafeMutableRawBufferPointer>]
    ) throws {
        try withUnsafeChunkPointers(chunks) { chunks in
            try self.reconstruct(pointers: chunks, stripe: stripe, into: outputs)
        }
    }

    @usableFromInline
    func reconstruct(
        pointers chunks: [IndexedChunk<UnsafeRawBufferPointer>],
        stripe: Stripe,
        into outputs: [IndexedChunk<UnsafeMutableRawBufferPointer>]
    ) throws {
        try self.validate(chunks, stripe: stripe, minimumCount: self.dataChunkCount)
        var wanted = ChunkSet()
        for output in outputs {
            try self.checkIndex(output.index)
            guard wanted.insert(output.index) else {
                throw ErasureCodingError(.duplicateChunkIndex, "output chunk \(output.index) is asked for twice")
            }
            guard output.bytes.count == stripe.chunkLength else {
                throw ErasureCodingError(
                    .bufferSizeMismatch,
                    "output buffer for chunk \(output.index) holds \(output.bytes.count) bytes, chunk length is \(stripe.chunkLength)"
                )
            }
        }
        guard stripe.chunkLength > 0 else { return }
        self.decode(
            from: chunks,
            outputs: outputs.lazy.map { IndexedChunk(index: $0.index, bytes: $0.bytes.baseAddress!.assumingMemoryBound(to: UInt8.self)) },
            columns: 0..<stripe.chunkLength
        )
    }

    /// Whether a full set of k + r chunks is consistent: the parity chunks are what the
    /// data chunks encode to.
    ///
    /// - Throws: an ``ErasureCodingError``, for example
    ///   ``ErasureCodingError/Code/notEnoughChunks`` when any chunk is missing.
    @inlinable
    public func verify<Bytes: ChunkBytes>(_ chunks: [IndexedChunk<Bytes>], stripe: Stripe) throws -> Bool {
        try withUnsafeChunkPointers(chunks) { chunks in try self.verify(pointers: chunks, stripe: stripe) }
    }

    @usableFromInline
    func verify(pointers chunks: [IndexedChunk<UnsafeRawBufferPointer>], stripe: Stripe) throws -> Bool {
        try self.validate(chunks, stripe: stripe, minimumCount: self.chunksPerStripe)
        let parity = chunks.filter { $0.index >= self.dataChunkCount }.sorted { $0.index < $1.index }
        let recomputed = UnsafeMutableRawBufferPointer.allocate(
            byteCount: max(1, stripe.chunkLength * parity.count),
            alignment: ByteBufferAllocator.chunkAlignment
        )
        defer { recomputed.deallocate() }
        let outputs = parity.enumerated().map { position, chunk in
            IndexedChunk(
                index: chunk.index,
                bytes: UnsafeMutableRawBufferPointer(rebasing: recomputed[(position * stripe.chunkLength)..<((position + 1) * stripe.chunkLength)])
            )
        }
        try self.reconstruct(pointers: chunks.filter { $0.index < self.dataChunkCount }, stripe: stripe, into: outputs)
        return zip(parity, outputs).allSatisfy { $0.bytes.elementsEqual($1.bytes) }
    }

    // MARK: - Shared steps

    @usableFromInline
    func check(_ layout: StripeLayout, stripeCount: Int) throws(ErasureCodingError) {
        try self.check(layout)
        guard stripeCount == layout.stripeCount else {
            throw ErasureCodingError(.layoutMismatch, "\(stripeCount) stripes of chunks given, layout has \(layout.stripeCount)")
        }
    }

    private func checkIndex(_ index: Int) throws(ErasureCodingError) {
        guard (0..<self.chunksPerStripe).contains(index) else {
            throw ErasureCodingError(.chunkIndexOutOfRange, "chunk index \(index) is not in 0..<\(self.chunksPerStripe)")
        }
    }

    /// Checks a stripe's chunks: indexes in range and distinct, lengths equal to the
    /// stripe's chunk length, at least `minimumCount` of them. Returns the indexes present.
    @discardableResult
    private func validate(
        _ chunks: [IndexedChunk<UnsafeRawBufferPointer>],
        stripe: Stripe,
        minimumCount: Int
    ) throws(ErasureCodingError) -> ChunkSet {
        try self.check(stripe)
        var present = ChunkSet()
        for chunk in chunks {
            try self.checkIndex(chunk.index)
            guard present.insert(chunk.index) else {
                throw ErasureCodingError(.duplicateChunkIndex, "chunk \(chunk.index) is given twice")
            }
            guard chunk.bytes.count == stripe.chunkLength else {
                throw ErasureCodingError(
                    .chunkLengthMismatch,
                    "chunk \(chunk.index) has \(chunk.bytes.count) bytes, the stripe's chunk length is \(stripe.chunkLength)"
                )
            }
        }
        guard chunks.count >= minimumCount else {
            throw ErasureCodingError(.notEnoughChunks, "\(chunks.count) chunks given, \(minimumCount) needed")
        }
        return present
    }

    /// Computes `outputs` over `columns` of their chunks from the k lowest-indexed of
    /// `chunks`, so that data chunks are preferred as sources. `chunks` must be validated
    /// (distinct indexes, full length); output pointers address column 0 of their chunk.
    private func decode(
        from chunks: [IndexedChunk<UnsafeRawBufferPointer>],
        outputs: some Collection<IndexedChunk<UnsafeMutablePointer<UInt8>>>,
        columns: Range<Int>
    ) {
        guard !outputs.isEmpty, !columns.isEmpty else { return }
        var present = ChunkSet()
        for chunk in chunks { present.insert(chunk.index) }
        let pattern = DecodeTableCache.Pattern(
            sources: present.lowest(self.dataChunkCount),
            outputs: ChunkSet(outputs.lazy.map(\.index))
        )
        let tables = self.decodeCache.tables(for: pattern) { self.makeDecodeTables($0) }
        // Both arrays are first filled by chunk index, then packed in index order. Packing
        // in place is safe: the i-th smallest index is at least i, so it reads a slot at or
        // after the one it writes, never one already overwritten.
        withUnsafeTemporaryAllocation(of: UnsafePointer<UInt8>?.self, capacity: self.chunksPerStripe) { sources in
            withUnsafeTemporaryAllocation(of: UnsafeMutablePointer<UInt8>?.self, capacity: self.chunksPerStripe) { targets in
                for chunk in chunks {
                    sources[chunk.index] = chunk.bytes.baseAddress!.assumingMemoryBound(to: UInt8.self)
                }
                for output in outputs {
                    targets[output.index] = output.bytes
                }
                for (position, index) in pattern.sources.enumerated() {
                    sources[position] = sources[index]! + columns.lowerBound
                }
                for (position, index) in pattern.outputs.enumerated() {
                    targets[position] = targets[index]! + columns.lowerBound
                }
                tables.apply(
                    length: columns.count,
                    sources: UnsafeBufferPointer(rebasing: sources[..<self.dataChunkCount]),
                    outputs: UnsafeBufferPointer(rebasing: targets[..<outputs.count]),
                    concurrency: self.concurrency
                )
            }
        }
    }

    /// Tables that compute `pattern.outputs` from `pattern.sources`: invert the generator
    /// rows of the sources; a data row is a row of that inverse, a parity row its generator
    /// row times the inverse.
    private func makeDecodeTables(_ pattern: DecodeTableCache.Pattern) -> GaloisTables {
        let k = self.dataChunkCount
        var submatrix = [UInt8]()
        submatrix.reserveCapacity(k * k)
        for source in pattern.sources {
            submatrix += self.generator[(source * k)..<((source + 1) * k)]
        }
        var inverse = [UInt8](repeating: 0, count: k * k)
        let status = gf_invert_matrix(&submatrix, &inverse, Int32(k))
        precondition(status == 0, "a Cauchy submatrix is always invertible")
        var coefficients = [UInt8]()
        coefficients.reserveCapacity(pattern.outputs.count * k)
        for output in pattern.outputs {
            if output < k {
                coefficients += inverse[(output * k)..<((output + 1) * k)]
            } else {
                for column in 0..<k {
                    var sum: UInt8 = 0
                    for i in 0..<k {
                        sum ^= gf_mul(self.generator[output * k + i], inverse[i * k + column])
                    }
                    coefficients.append(sum)
                }
            }
        }
        return GaloisTables(coefficients: coefficients, sourceCount: k, outputCount: pattern.outputs.count)
    }
}
