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
        /// k chunks of a stripe of the object version `version`.
        case stripe(StripeLayout, version: UInt32, Stripe, [IndexedChunk<ByteBuffer>], ReedSolomonCodec)
        /// The proxy's answer ended without k usable chunks of every stripe because some
        /// chunks were corrupt on the way here: read the same version again (the last
        /// event).
        case incomplete(StripeGathering)
    }

    /// What the reading task iterates.
    let events: AsyncThrowingStream<Event, any Error>
    private let continuation: AsyncThrowingStream<Event, any Error>.Continuation
    private let codec: @Sendable (_ k: Int, _ r: Int) throws -> ReedSolomonCodec
    /// The stripes gathered so far (nil before the object's description); `isDone` once
    /// the events have ended.
    private let state = Mutex<(gathering: StripeGathering?, isDone: Bool)>((nil, false))

    /// Whether this collector continues an earlier one's read.
    private let resumed: Bool
    /// The object bytes read, if not all of them.
    private let byteRange: Range<Int>?

    /// A collector for a first read (`resuming` nil), or for a read again of the object
    /// a previous collector gathered part of: the stripes it completed are not passed on
    /// again.
    /// A read of `byteRange` gathers only the stripes that hold it.
    init(codec: @escaping @Sendable (_ k: Int, _ r: Int) throws -> ReedSolomonCodec, byteRange: Range<Int>? = nil, resuming gathering: StripeGathering? = nil) {
        (self.events, self.continuation) = AsyncThrowingStream.makeStream()
        self.codec = codec
        self.byteRange = byteRange
        self.resumed = gathering != nil
        self.state.withLock { $0.gathering = gathering }
    }

    /// Takes one response, or the request's failure.
    @Sendable func take(_ result: Result<Frame, any Error>) {
        self.state.withLock { state in
            guard !state.isDone else { return }
            do {
                let response = try result.get()
                try self.process(response, into: &state.gathering)
                if !response.flags.contains(.more) {
                    state.isDone = true
                    if response.opcode != .notFound, let gathering = state.gathering, !gathering.isComplete {
                        guard gathering.hasUnusableChunks else {
                            throw InfiniCacheError(.objectLost, "the proxy ended the read before every stripe had k chunks")
                        }
                        self.continuation.yield(.incomplete(gathering))
                    }
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
        case .notFound where self.resumed:
            throw InfiniCacheError(.objectLost, "the object changed while it was read")
        case .notFound:
            self.continuation.yield(.notFound)
        case .error:
            throw InfiniCacheClient.translate(response)
        case .objectInfo where gathering == nil:
            gathering = try StripeGathering(info: response, byteRange: self.byteRange, codec: self.codec)
        case .objectInfo where self.resumed:
            guard response.objectVersion == gathering?.version else {
                throw InfiniCacheError(.objectLost, "the object changed while it was read")
            }
        case .chunkData:
            guard gathering != nil else {
                throw InfiniCacheError(.protocolError, "a chunk arrived before the object's description")
            }
            if let (stripe, chunks) = gathering!.add(response) {
                self.continuation.yield(.stripe(gathering!.layout, version: gathering!.version, stripe, chunks, gathering!.codec))
            }
        default:
            throw InfiniCacheError(.protocolError, "getObject was answered with \(response.opcode)")
        }
    }
}

/// The chunks of each stripe collected so far: a chunk whose checksum fails counts as lost.
struct StripeGathering: Sendable {
    let layout: StripeLayout
    let codec: ReedSolomonCodec
    /// The object version being read.
    let version: UInt32
    /// The stripes read: all, or those holding the byte range asked for.
    let stripes: Range<Int>
    private var chunks: [Int: [IndexedChunk<ByteBuffer>]] = [:]
    private var done = Set<Int>()
    /// Stripes still in need for which a chunk arrived that could not be used (a failed
    /// checksum, a wrong length).
    private var unusable = Set<Int>()

    /// Starts gathering the object an `objectInfo` response describes: the stripes that
    /// hold `byteRange`, or all of them.
    init(info: Frame, byteRange: Range<Int>? = nil, codec: (_ k: Int, _ r: Int) throws -> ReedSolomonCodec) throws {
        var payload = info.payload
        guard let maxChunkLength = payload.readInteger(endianness: .little, as: UInt32.self),
            let objectLength = Int(exactly: info.objectLength), objectLength <= 1 << 50
        else {
            throw InfiniCacheError(.protocolError, "objectInfo with an impossible length or without a maximum chunk length")
        }
        do {
            let layout = try StripeLayout(objectLength: objectLength, dataChunkCount: Int(info.k), parityChunkCount: Int(info.r), maxChunkLength: Int(maxChunkLength))
            self.layout = layout
            self.codec = try codec(Int(info.k), Int(info.r))
            self.version = info.objectVersion
            self.stripes = byteRange.map { layout.stripes(covering: $0) } ?? 0..<layout.stripeCount
        } catch {
            throw InfiniCacheError(.protocolError, "objectInfo describes an impossible layout", cause: error)
        }
    }

    var isComplete: Bool { self.done.count == self.stripes.count }

    /// Whether a stripe still in need had a chunk this client could not use.
    var hasUnusableChunks: Bool {
        !self.unusable.subtracting(self.done).isEmpty
    }

    /// Starts over the count of unusable chunks, for a read again; the usable chunks of
    /// incomplete stripes are kept, and the same chunks arriving again are ignored.
    mutating func prepareToReadAgain() {
        self.unusable = []
    }

    /// Adds a chunk; returns its stripe's k chunks when this one completes it. A chunk
    /// that fails its checksum, does not fit the layout, repeats an index or arrives after
    /// its stripe is complete counts as lost.
    mutating func add(_ frame: Frame) -> (Stripe, [IndexedChunk<ByteBuffer>])? {
        let index = Int(frame.stripeIndex)
        let chunk = Int(frame.chunkIndex)
        guard self.stripes.contains(index), !self.done.contains(index),
            chunk < self.layout.chunksPerStripe,
            self.chunks[index, default: []].allSatisfy({ $0.index != chunk })
        else {
            return nil
        }
        guard frame.payload.readableBytes == self.layout.stripe(index).chunkLength, (try? frame.verifyPayloadChecksum()) != nil else {
            self.unusable.insert(index)
            return nil
        }
        self.chunks[index, default: []].append(IndexedChunk(index: chunk, bytes: frame.payload))
        guard self.chunks[index]!.count == self.layout.dataChunkCount else { return nil }
        self.done.insert(index)
        return (self.layout.stripe(index), self.chunks.removeValue(forKey: index)!)
    }
}
