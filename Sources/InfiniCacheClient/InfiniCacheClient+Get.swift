import ChunkTransport
import ChunkWire
import ErasureCoding
public import NIOCore

/// An object's bytes in order, yielded stripe by stripe as soon as each stripe is
/// reassembled and all before it have been yielded: a stripe whose data chunks all
/// arrived comes as those chunks themselves (no copy), one buffer per chunk; a stripe that
/// needed decoding, as one buffer.
public typealias ObjectStream = AsyncThrowingStream<ByteBuffer, any Error>

/// An object being read: its length, known first, and its bytes as they are decoded.
public struct SizedObjectStream: Sendable {
    /// The object's length in bytes.
    public let length: Int
    /// The object's bytes in order, stripe by stripe.
    public let parts: ObjectStream
}

extension InfiniCacheClient {
    /// The object stored under `key`, or nil if it is not cached.
    ///
    /// Each stripe is decoded as soon as its first k chunks have arrived (a copy when the
    /// k data chunks came, decoding otherwise) straight into the returned buffer.
    public func get(_ key: String) async throws -> ByteBuffer? {
        try await self.get(ByteBuffer(string: key))
    }

    /// The object stored under the key made of `key`'s bytes, as ``get(_:)-(String)``.
    public func get(_ key: ByteBuffer) async throws -> ByteBuffer? {
        try await self.withTimeout("get") {
            let destination = ObjectBuffer()
            let found = try await self.read(try self.checkedKey(key)) { layout, _ in
                guard layout.objectLength <= Int(UInt32.max) else {
                    throw InfiniCacheError(.rejected, "an object of \(layout.objectLength) bytes does not fit one ByteBuffer (4 GiB); read it with stream(_:)")
                }
                destination.allocate(layout.objectLength)
            } stripe: { stripe, chunks, codec in
                try destination.write(stripe.objectOffset, stripe.length) { target in
                    try codec.reassembleStripe(chunks, stripe: stripe, into: target)
                }
            }
            return found ? destination.finish() : nil
        }
    }

    /// Bytes `range` of the object stored under `key` (clamped to the object), or nil if
    /// it is not cached. Only the stripes holding the range are fetched, and when the data
    /// chunks holding it arrive first, nothing is decoded: their bytes are copied.
    ///
    /// - Throws: ``InfiniCacheError``: `rejected` for a negative offset, a range longer than
    ///   4 GiB or a key outside the limits, and the errors of ``get(_:)-(ByteBuffer)``.
    public func get(_ key: ByteBuffer, range: Range<Int>) async throws -> ByteBuffer? {
        guard range.lowerBound >= 0, range.count <= Int(UInt32.max) else {
            throw InfiniCacheError(.rejected, "a range read needs a non-negative offset and at most 4 GiB; got \(range)")
        }
        let key = try self.checkedKey(key)
        return try await self.withTimeout("get") {
            let destination = ObjectBuffer()
            var wanted = 0..<0
            let found = try await self.read(key, byteRange: range) { layout, _ in
                wanted = range.clamped(to: 0..<layout.objectLength)
                destination.allocate(wanted.count)
            } stripe: { stripe, chunks, codec in
                let part = wanted.clamped(to: stripe.objectRange)
                guard !part.isEmpty else { return }
                try destination.write(part.lowerBound - wanted.lowerBound, part.count) { target in
                    try codec.reassemble(range: (part.lowerBound - stripe.objectOffset)..<(part.upperBound - stripe.objectOffset), of: chunks, stripe: stripe, into: target)
                }
            }
            return found ? destination.finish() : nil
        }
    }

    /// The object stored under `key` as an ordered sequence of buffers; it throws
    /// ``InfiniCacheError`` with code `notFound` if the key is not cached. A large object is
    /// yielded stripe by stripe while later stripes are still in flight.
    public func stream(_ key: String) -> ObjectStream {
        ObjectStream.produced { continuation in
            let found: Bool
            do {
                let reorder = StripeReorder(continuation: continuation)
                found = try await self.read(try self.checkedKey(key)) { _, _ in
                } stripe: { stripe, chunks, codec in
                    reorder.add(try Self.bytes(of: stripe, from: chunks, codec: codec), index: stripe.index)
                }
            } catch {
                throw Self.translate(error)
            }
            guard found else {
                throw InfiniCacheError(.notFound, "\(key) is not cached")
            }
        }
    }

    /// The object stored under the key made of `key`'s bytes, with its length, once its
    /// first stripe is in (nil if it is not cached); its bytes follow in `parts`, read one
    /// stripe ahead of whoever takes them, so that a slow consumer (a socket) makes the
    /// client hold two stripes of the object, not all of it. For writing an object on as it
    /// arrives where its length must go first (a RESP bulk reply, an HTTP body).
    ///
    /// Each stripe is a read of its own, pinned to the version the first one found: if the
    /// key is overwritten or removed while its stripes are being read, `parts` ends with
    /// ``InfiniCacheError`` `objectLost` ("the object changed while it was read").
    ///
    /// - Throws: ``InfiniCacheError``: `rejected` for a key outside the limits, and the
    ///   errors of ``get(_:)-(ByteBuffer)`` for the first stripe.
    public func openStream(_ key: ByteBuffer) async throws -> SizedObjectStream? {
        let key = try self.checkedKey(key)
        guard let first = try await self.readStripes(of: key, holding: 0..<1, version: 0) else {
            return nil
        }
        let reader = PacedStripeReader(client: self, key: key, layout: first.layout, version: first.version, first: first.bytes)
        return SizedObjectStream(length: first.layout.objectLength, parts: ObjectStream(unfolding: reader.next))
    }

    /// The stripes of `key` holding `byteRange`, as their bytes in order, with the
    /// object's layout and version; nil if it is not cached (or holds another version
    /// than a `version` other than 0).
    func readStripes(of key: ByteBuffer, holding byteRange: Range<Int>, version: UInt32) async throws -> (layout: StripeLayout, version: UInt32, bytes: [ByteBuffer])? {
        try await self.withTimeout("get") {
            var described: (layout: StripeLayout, version: UInt32)?
            var stripes: [Int: [ByteBuffer]] = [:]
            let found = try await self.read(key, byteRange: byteRange, version: version) { layout, version in
                described = (layout, version)
            } stripe: { stripe, chunks, codec in
                stripes[stripe.index] = try Self.bytes(of: stripe, from: chunks, codec: codec)
            }
            guard found, let described else { return nil }
            return (described.layout, described.version, stripes.keys.sorted().flatMap { stripes[$0]! })
        }
    }

    /// A stripe's bytes from k of its chunks: its data chunks themselves (trimmed of
    /// padding, not copied) when they all came — or, for a replicated object, whichever
    /// replica came — or one buffer decoded from what came.
    static func bytes(of stripe: Stripe, from chunks: [IndexedChunk<ByteBuffer>], codec: ReedSolomonCodec) throws -> [ByteBuffer] {
        if codec.isReplication, let replica = chunks.first {
            return [replica.bytes.getSlice(at: replica.bytes.readerIndex, length: stripe.length)!]
        }
        let data = chunks.filter { $0.index < stripe.dataChunkCount }.sorted { $0.index < $1.index }
        guard data.count < stripe.dataChunkCount else {
            return data.map { $0.bytes.getSlice(at: $0.bytes.readerIndex, length: stripe.payloadLength(ofDataChunk: $0.index))! }
        }
        var bytes = ByteBuffer()
        try bytes.writeWithUnsafeMutableBytes(minimumWritableBytes: stripe.length) { target in
            try codec.reassembleStripe(chunks, stripe: stripe, into: UnsafeMutableRawBufferPointer(rebasing: target[0..<stripe.length]))
            return stripe.length
        }
        return [bytes]
    }

    /// Reads an object: `begin` gets its layout and version, then `stripe` is called once
    /// per stripe with k verified chunks, in arrival order (with `byteRange`, only for the
    /// stripes holding it). Returns false if the key is not cached, or — when `version` is
    /// not 0 — holds another version.
    ///
    /// The proxy's responses are gathered where they arrive (see ``ObjectCollector``), so
    /// this task wakes once per decodable stripe rather than once per response. If chunks
    /// arrive corrupt (after the proxy checked them: on the way here) so that a stripe
    /// falls short of k, the same version is read again — up to twice — keeping the
    /// usable chunks, and only the stripes still missing are delivered.
    func read(
        _ key: ByteBuffer,
        byteRange: Range<Int>? = nil,
        version: UInt32 = 0,
        begin: (StripeLayout, _ version: UInt32) throws -> Void,
        stripe deliver: (Stripe, [IndexedChunk<ByteBuffer>], ReedSolomonCodec) throws -> Void
    ) async throws -> Bool {
        var resumed: StripeGathering?
        var begun = false
        var rangePayload = ByteBuffer()
        if let byteRange {
            rangePayload.writeMultipleIntegers(UInt64(byteRange.lowerBound), UInt64(byteRange.count), endianness: .little)
        }
        for _ in 0..<3 {
            var request = Frame(.getObject, key: key, objectVersion: version, payload: rangePayload)
            if var gathering = resumed {
                request.objectVersion = gathering.version
                gathering.prepareToReadAgain()
                resumed = gathering
            }
            let collector = ObjectCollector(codec: self.codec(k:r:), byteRange: byteRange, resuming: resumed)
            resumed = nil
            let pending = self.connection(toProxy: self.proxy(for: key)).send(request, onResponse: collector.take)
            var answered = false
            defer {
                if !answered { pending.cancel() }
            }
            let isMissing: Bool
            do {
                // Ended by the task's cancellation, or by the deadline of the operation.
                isMissing = try await withOperationCancellation {
                    for try await event in collector.events {
                        switch event {
                        case .notFound:
                            return true
                        case .stripe(let layout, let version, let stripe, let chunks, let codec):
                            if !begun {
                                try begin(layout, version)
                                begun = true
                            }
                            try deliver(stripe, chunks, codec)
                        case .incomplete(let gathering):
                            resumed = gathering
                        }
                    }
                    return false
                } onCancel: {
                    collector.take(.failure(CancellationError()))
                }
            } catch {
                throw Self.translate(error)
            }
            if isMissing {
                answered = true
                return false
            }
            try Task.checkCancellation()
            answered = true
            if resumed == nil {
                return true
            }
        }
        throw InfiniCacheError(.objectLost, "chunks of the object arrived corrupt in three reads in a row")
    }
}
