public import NIOCore

extension ReedSolomonCodec {
    /// Computes the r parity chunks of one stripe into caller-provided buffers; allocates
    /// nothing.
    ///
    /// The stripe is `stripeBytes` followed by zero padding up to `k × chunkLength`, where
    /// `chunkLength = ceil(stripeBytes.count / k)`; the padding is never materialised.
    ///
    /// - Parameters:
    ///   - stripeBytes: at most `k ×` ``StripeLayout/maximumChunkLength`` bytes.
    ///   - parity: r buffers of exactly `chunkLength` bytes each.
    /// - Throws: ``ErasureCodingError/Code/bufferSizeMismatch`` or
    ///   ``ErasureCodingError/Code/objectTooLarge``.
    public func encodeParity(
        of stripeBytes: UnsafeRawBufferPointer,
        into parity: [UnsafeMutableRawBufferPointer]
    ) throws(ErasureCodingError) {
        let stripe = self.stripe(ofLength: stripeBytes.count)
        guard stripe.chunkLength <= StripeLayout.maximumChunkLength else {
            throw ErasureCodingError(
                .objectTooLarge,
                "a stripe of \(stripeBytes.count) bytes needs chunks over \(StripeLayout.maximumChunkLength) bytes"
            )
        }
        guard parity.count == self.parityChunkCount else {
            throw ErasureCodingError(.bufferSizeMismatch, "\(parity.count) parity buffers given, \(self.parityChunkCount) needed")
        }
        for buffer in parity where buffer.count != stripe.chunkLength {
            throw ErasureCodingError(.bufferSizeMismatch, "parity buffer of \(buffer.count) bytes, chunk length is \(stripe.chunkLength)")
        }
        self.encodeParity(of: stripeBytes, chunkLength: stripe.chunkLength, into: parity)
    }

    /// Encodes `bytes`: data chunks are `ArraySlice` views sharing the array's storage.
    public func encode(
        _ bytes: [UInt8],
        maxChunkLength: Int = StripeLayout.defaultMaxChunkLength,
        allocator: ByteBufferAllocator = ByteBufferAllocator()
    ) throws(ErasureCodingError) -> EncodedObject<ArraySlice<UInt8>> {
        try self.encodeObject(
            length: bytes.count,
            maxChunkLength: maxChunkLength,
            allocator: allocator,
            bytes: { body in bytes.withUnsafeBytes(body) },
            dataChunk: { range, chunkLength in
                guard range.count < chunkLength else { return bytes[range] }
                var padded = [UInt8](repeating: 0, count: chunkLength)
                padded.replaceSubrange(0..<range.count, with: bytes[range])
                return padded[...]
            }
        )
    }

    /// Encodes the readable bytes of `bytes`: data chunks share its storage, however large
    /// the object. Under replication (k = 1) the parity chunks share it too: each is the
    /// same view as its stripe's data chunk, and nothing is computed or copied.
    ///
    /// A data chunk is `bytes` with its reader and writer indexes moved to the chunk's
    /// bytes, not a `getSlice` (NIO copies slices that start past the first 16 MiB of a
    /// buffer). So read a chunk through its readable bytes, as with any buffer; writing to
    /// one copies the whole object's storage first.
    public func encode(
        _ bytes: ByteBuffer,
        maxChunkLength: Int = StripeLayout.defaultMaxChunkLength,
        allocator: ByteBufferAllocator = ByteBufferAllocator()
    ) throws(ErasureCodingError) -> EncodedObject<ByteBuffer> {
        if self.isReplication {
            let layout = try self.layout(forObjectLength: bytes.readableBytes, maxChunkLength: maxChunkLength)
            return EncodedObject(layout: layout, stripes: layout.stripes.map { stripe in
                let view = bytes.sharingView(of: stripe.objectRange)
                return EncodedStripe(stripe: stripe, dataChunks: [view], parityChunks: Array(repeating: view, count: self.parityChunkCount))
            })
        }
        return try self.encodeObject(
            length: bytes.readableBytes,
            maxChunkLength: maxChunkLength,
            allocator: allocator,
            bytes: { body in bytes.withUnsafeReadableBytes(body) },
            dataChunk: { range, chunkLength in
                let view = bytes.sharingView(of: range)
                guard range.count < chunkLength else { return view }
                var padded = allocator.alignedBuffer(length: chunkLength, zeroed: true)
                padded.setBuffer(view, at: padded.readerIndex)
                return padded
            }
        )
    }

    /// Encodes raw bytes and lends the result to `body`: full data chunks point into `bytes`,
    /// padded tail chunks into memory that is freed when `body` returns.
    public func withEncoding<Result>(
        of bytes: UnsafeRawBufferPointer,
        maxChunkLength: Int = StripeLayout.defaultMaxChunkLength,
        allocator: ByteBufferAllocator = ByteBufferAllocator(),
        _ body: (EncodedObject<UnsafeRawBufferPointer>) throws -> Result
    ) throws -> Result {
        var paddedChunks: [UnsafeMutableRawBufferPointer] = []
        defer { paddedChunks.forEach { $0.deallocate() } }
        let encoded = try self.encodeObject(
            length: bytes.count,
            maxChunkLength: maxChunkLength,
            allocator: allocator,
            bytes: { body in body(bytes) },
            dataChunk: { range, chunkLength in
                let view = UnsafeRawBufferPointer(rebasing: bytes[range])
                guard range.count < chunkLength else { return view }
                let padded = UnsafeMutableRawBufferPointer.allocate(
                    byteCount: chunkLength,
                    alignment: ByteBufferAllocator.chunkAlignment
                )
                paddedChunks.append(padded)
                padded.initializeMemory(as: UInt8.self, repeating: 0)
                padded.copyMemory(from: view)
                return UnsafeRawBufferPointer(padded)
            }
        )
        return try body(encoded)
    }

    /// Shared body of the `encode` overloads.
    ///
    /// - Parameters:
    ///   - bytes: lends the object's bytes.
    ///   - dataChunk: makes data chunk `range` of the object; when `range` is shorter than
    ///     `chunkLength` it must pad with zeros.
    private func encodeObject<DataChunk>(
        length: Int,
        maxChunkLength: Int,
        allocator: ByteBufferAllocator,
        bytes: ((UnsafeRawBufferPointer) -> Void) -> Void,
        dataChunk: (Range<Int>, Int) -> DataChunk
    ) throws(ErasureCodingError) -> EncodedObject<DataChunk> {
        let layout = try self.layout(forObjectLength: length, maxChunkLength: maxChunkLength)
        let stripes = layout.stripes.map { stripe in
            let chunkLength = stripe.chunkLength
            var parity = (0..<self.parityChunkCount).map { _ in
                allocator.alignedBuffer(length: chunkLength, zeroed: false)
            }
            withUnsafeMutableReadableBytes(of: &parity) { parityBytes in
                bytes { object in
                    let stripeBytes = UnsafeRawBufferPointer(rebasing: object[stripe.objectRange])
                    self.encodeParity(of: stripeBytes, chunkLength: chunkLength, into: parityBytes)
                }
            }
            let data = (0..<self.dataChunkCount).map { index in
                let start = stripe.objectOffset + min(stripe.length, index * chunkLength)
                return dataChunk(start..<(start + stripe.payloadLength(ofDataChunk: index)), chunkLength)
            }
            return EncodedStripe(stripe: stripe, dataChunks: data, parityChunks: parity)
        }
        return EncodedObject(layout: layout, stripes: stripes)
    }

    /// The coding step behind every encode: parity of `stripeBytes` padded to k chunks.
    ///
    /// Chunks that reach past the stripe's bytes read the shared zero region instead, in two
    /// column ranges: before the partial chunk's end, and after it.
    func encodeParity(of stripeBytes: UnsafeRawBufferPointer, chunkLength: Int, into parity: [UnsafeMutableRawBufferPointer]) {
        guard chunkLength > 0, self.parityChunkCount > 0 else { return }
        let k = self.dataChunkCount
        let fullChunks = stripeBytes.count / chunkLength
        let partialLength = stripeBytes.count % chunkLength
        let base = stripeBytes.baseAddress!.assumingMemoryBound(to: UInt8.self)
        withUnsafeTemporaryAllocation(of: UnsafePointer<UInt8>?.self, capacity: k) { sources in
            withUnsafeTemporaryAllocation(of: UnsafeMutablePointer<UInt8>?.self, capacity: parity.count) { outputs in
                func code(columns: Range<Int>, realChunks: Int) {
                    guard !columns.isEmpty else { return }
                    for i in 0..<k {
                        sources[i] = i < realChunks ? base + i * chunkLength + columns.lowerBound : ZeroBytes.start
                    }
                    for (j, buffer) in parity.enumerated() {
                        outputs[j] = buffer.baseAddress!.assumingMemoryBound(to: UInt8.self) + columns.lowerBound
                    }
                    self.parityTables.apply(
                        length: columns.count,
                        sources: UnsafeBufferPointer(sources),
                        outputs: UnsafeBufferPointer(outputs),
                        concurrency: self.concurrency
                    )
                }
                code(columns: 0..<partialLength, realChunks: fullChunks + 1)
                code(columns: partialLength..<chunkLength, realChunks: fullChunks)
            }
        }
    }
}
