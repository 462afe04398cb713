import ChunkTransport
import ChunkWire
import ErasureCoding
public import NIOCore

/// An object's bytes in order, one buffer per stripe, yielded as soon as each stripe is
/// decoded and all before it have been yielded.
public typealias ObjectStream = AsyncThrowingStream<ByteBuffer, any Error>

extension InfiniCacheClient {
    /// The object stored under `key`, or nil if it is not cached.
    ///
    /// Each stripe is decoded as soon as its first k chunks have arrived (a copy when the
    /// k data chunks came, decoding otherwise) straight into the returned buffer.
    public func get(_ key: String) async throws -> ByteBuffer? {
        try await self.withTimeout("get") {
            let destination = ObjectBuffer()
            let found = try await self.read(ByteBuffer(string: key)) { layout in
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

    /// The object stored under `key` as an ordered sequence of buffers; it throws
    /// ``InfiniCacheError`` with code `notFound` if the key is not cached. A large object is
    /// yielded stripe by stripe while later stripes are still in flight.
    public func stream(_ key: String) -> ObjectStream {
        ObjectStream.produced { continuation in
            let found: Bool
            do {
                let reorder = StripeReorder(continuation: continuation)
                found = try await self.read(ByteBuffer(string: key)) { _ in
                } stripe: { stripe, chunks, codec in
                    var bytes = ByteBuffer()
                    try bytes.writeWithUnsafeMutableBytes(minimumWritableBytes: stripe.length) { target in
                        try codec.reassembleStripe(chunks, stripe: stripe, into: UnsafeMutableRawBufferPointer(rebasing: target[0..<stripe.length]))
                        return stripe.length
                    }
                    reorder.add(bytes, index: stripe.index)
                }
            } catch {
                throw Self.translate(error)
            }
            guard found else {
                throw InfiniCacheError(.notFound, "\(key) is not cached")
            }
        }
    }

    /// Reads an object: `begin` gets its layout, then `stripe` is called once per stripe
    /// with k verified chunks, in arrival order. Returns false if the key is not cached.
    private func read(
        _ key: ByteBuffer,
        begin: (StripeLayout) throws -> Void,
        stripe deliver: (Stripe, [IndexedChunk<ByteBuffer>], ReedSolomonCodec) throws -> Void
    ) async throws -> Bool {
        let responses = self.connection(toProxy: self.proxy(for: key)).send(Frame(.getObject, key: key))
        var gathering: StripeGathering?
        do {
            for try await response in responses {
                switch response.opcode {
                case .notFound:
                    return false
                case .error:
                    throw Self.translate(response)
                case .objectInfo:
                    let started = try self.startGathering(response)
                    try begin(started.layout)
                    gathering = started
                case .chunkData:
                    guard var progress = gathering else {
                        throw InfiniCacheError(.protocolError, "a chunk arrived before the object's description")
                    }
                    gathering = nil
                    if let (stripe, chunks) = progress.add(response) {
                        try deliver(stripe, chunks, progress.codec)
                    }
                    gathering = progress
                default:
                    throw InfiniCacheError(.protocolError, "getObject was answered with \(response.opcode)")
                }
            }
        } catch {
            throw Self.translate(error)
        }
        try Task.checkCancellation()
        guard let gathering, gathering.isComplete else {
            throw InfiniCacheError(.objectLost, "the proxy ended the read before every stripe had k chunks")
        }
        return true
    }

    private func startGathering(_ info: Frame) throws -> StripeGathering {
        var payload = info.payload
        guard let maxChunkLength = payload.readInteger(endianness: .little, as: UInt32.self),
            let objectLength = Int(exactly: info.objectLength), objectLength <= 1 << 50
        else {
            throw InfiniCacheError(.protocolError, "objectInfo with an impossible length or without a maximum chunk length")
        }
        do {
            let layout = try StripeLayout(objectLength: objectLength, dataChunkCount: Int(info.k), parityChunkCount: Int(info.r), maxChunkLength: Int(maxChunkLength))
            return StripeGathering(layout: layout, codec: try self.codec(k: Int(info.k), r: Int(info.r)))
        } catch {
            throw InfiniCacheError(.protocolError, "objectInfo describes an impossible layout", cause: error)
        }
    }
}

/// The chunks of each stripe collected so far: a chunk whose checksum fails counts as lost.
private struct StripeGathering {
    let layout: StripeLayout
    let codec: ReedSolomonCodec
    private var chunks: [Int: [IndexedChunk<ByteBuffer>]] = [:]
    private var done = Set<Int>()

    init(layout: StripeLayout, codec: ReedSolomonCodec) {
        self.layout = layout
        self.codec = codec
    }

    var isComplete: Bool { self.done.count == self.layout.stripeCount }

    /// Adds a chunk; returns its stripe's k chunks when this one completes it. A chunk
    /// that fails its checksum, does not fit the layout, repeats an index or arrives after
    /// its stripe is complete counts as lost.
    mutating func add(_ frame: Frame) -> (Stripe, [IndexedChunk<ByteBuffer>])? {
        let index = Int(frame.stripeIndex)
        let chunk = Int(frame.chunkIndex)
        guard index < self.layout.stripeCount, !self.done.contains(index),
            chunk < self.layout.chunksPerStripe,
            frame.payload.readableBytes == self.layout.stripe(index).chunkLength,
            self.chunks[index, default: []].allSatisfy({ $0.index != chunk }),
            (try? frame.verifyPayloadChecksum()) != nil
        else {
            return nil
        }
        self.chunks[index, default: []].append(IndexedChunk(index: chunk, bytes: frame.payload))
        guard self.chunks[index]!.count == self.layout.dataChunkCount else { return nil }
        self.done.insert(index)
        return (self.layout.stripe(index), self.chunks.removeValue(forKey: index)!)
    }
}
