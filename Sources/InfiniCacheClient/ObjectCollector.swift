import ChunkTransport
import ChunkWire
import ErasureCoding
import NIOCore
import Synchronization

/// Gathers the proxy's responses to one `getObject` where they arrive (a
/// ``ResponseHandler``), and passes on only what the reading task acts on: each stripe
/// once k of its chunks are in, or that the object is not cached. The events end after
/// the proxy's final response, or with an ``InfiniCacheError``.
final class ObjectCollector: Sendable {
    enum Event: Sendable {
        case notFound
        case stripe(StripeLayout, Stripe, [IndexedChunk<ByteBuffer>], ReedSolomonCodec)
    }

    /// What the reading task iterates.
    let events: AsyncThrowingStream<Event, any Error>
    private let continuation: AsyncThrowingStream<Event, any Error>.Continuation
    private let codec: @Sendable (_ k: Int, _ r: Int) throws -> ReedSolomonCodec
    /// The stripes gathered so far (nil before the object's description); `isDone` once
    /// the events have ended.
    private let state = Mutex<(gathering: StripeGathering?, isDone: Bool)>((nil, false))

    init(codec: @escaping @Sendable (_ k: Int, _ r: Int) throws -> ReedSolomonCodec) {
        (self.events, self.continuation) = AsyncThrowingStream.makeStream()
        self.codec = codec
    }

    /// Takes one response, or the request's failure.
    @Sendable func take(_ result: Result<Frame, any Error>) {
        self.state.withLock { state in
            guard !state.isDone else { return }
            do {
                let response = try result.get()
                try self.process(response, into: &state.gathering)
                if !response.flags.contains(.more) {
                    guard response.opcode == .notFound || state.gathering?.isComplete == true else {
                        throw InfiniCacheError(.objectLost, "the proxy ended the read before every stripe had k chunks")
                    }
                    state.isDone = true
                    self.continuation.finish()
                }
            } catch {
                state.isDone = true
                self.continuation.finish(throwing: error)
            }
        }
    }

    private func process(_ response: Frame, into gathering: inout StripeGathering?) throws {
        switch response.opcode {
        case .notFound:
            self.continuation.yield(.notFound)
        case .error:
            throw InfiniCacheClient.translate(response)
        case .objectInfo where gathering == nil:
            gathering = try StripeGathering(info: response, codec: self.codec)
        case .chunkData:
            guard gathering != nil else {
                throw InfiniCacheError(.protocolError, "a chunk arrived before the object's description")
            }
            if let (stripe, chunks) = gathering!.add(response) {
                self.continuation.yield(.stripe(gathering!.layout, stripe, chunks, gathering!.codec))
            }
        default:
            throw InfiniCacheError(.protocolError, "getObject was answered with \(response.opcode)")
        }
    }
}

/// The chunks of each stripe collected so far: a chunk whose checksum fails counts as lost.
struct StripeGathering {
    let layout: StripeLayout
    let codec: ReedSolomonCodec
    private var chunks: [Int: [IndexedChunk<ByteBuffer>]] = [:]
    private var done = Set<Int>()

    /// Starts gathering the object an `objectInfo` response describes.
    init(info: Frame, codec: (_ k: Int, _ r: Int) throws -> ReedSolomonCodec) throws {
        var payload = info.payload
        guard let maxChunkLength = payload.readInteger(endianness: .little, as: UInt32.self),
            let objectLength = Int(exactly: info.objectLength), objectLength <= 1 << 50
        else {
            throw InfiniCacheError(.protocolError, "objectInfo with an impossible length or without a maximum chunk length")
        }
        do {
            self.layout = try StripeLayout(objectLength: objectLength, dataChunkCount: Int(info.k), parityChunkCount: Int(info.r), maxChunkLength: Int(maxChunkLength))
            self.codec = try codec(Int(info.k), Int(info.r))
        } catch {
            throw InfiniCacheError(.protocolError, "objectInfo describes an impossible layout", cause: error)
        }
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
