import ChunkTransport
import ChunkWire
import ErasureCoding
import NIOCore
import Synchronization

extension InfiniCacheProxy {
    /// A write in one round trip (``Opcode/putObjectInline``): places the one-stripe object
    /// as `putObject` does, sends each chunk carried to its node as `putChunk` would (a
    /// replicated object's one chunk to every replica's node), and answers `stored` with the
    /// version once every node has stored its chunk — which commits the version, so readers
    /// see the old object or the new one, never a mix. The first failure is the answer, and
    /// abandons the upload. A replicated object's bytes are then kept in the small-object
    /// tier, if it is on and the object short enough.
    func startPutInline(_ request: Frame, replies: ReplySink) {
        let frames: [Frame]
        let evicted: [Deletion]
        // A replicated object's one chunk, for the small-object tier once it is stored.
        let tierCopy: (checksum: UInt32, bytes: ByteBuffer)?
        do {
            let inline = try Self.checkedInlinePut(request)
            let placed = try self.place(request, maxChunkLength: UInt32(inline.maxChunkLength), expiry: inline.expiry)
            evicted = placed.evicted
            tierCopy = placed.record.k == 1 && placed.record.objectLength <= self.smallObjectLimit ? inline.chunks[0] : nil
            frames = (0..<(placed.record.k + placed.record.r)).map { index in
                let carried = inline.chunks[inline.chunks.count == 1 ? 0 : index]
                return Frame(
                    .putChunk, key: request.key, chunkIndex: UInt8(index), k: request.k, r: request.r,
                    objectLength: request.objectLength, objectVersion: placed.record.version, payload: carried.bytes, payloadChecksum: carried.checksum
                )
            }
        } catch {
            replies.post(error.frame(requestID: 0))
            return
        }
        let version = VersionID(key: request.key, version: frames[0].objectVersion)
        let answers = ChunkAnswers(expected: frames.count)
        replies.onCancel {
            answers.abandon().forEach { $0.cancel() }
            self.sendLater(self.withState { $0.abortUpload(version) })
        }
        // The evicted chunks leave their nodes before the new ones are sent (see beginPut).
        self.delete(evicted) {
            for frame in frames {
                let pending = self.forwardChunk(frame) { answer in
                    switch answers.take(answer) {
                    case .waiting:
                        break
                    case .allStored:
                        if let replica = tierCopy {
                            self.withState { $0.keepInTier(version.key, version: version.version, bytes: replica.bytes, checksum: replica.checksum) }
                        }
                        var stored = request.response(.stored)
                        stored.objectVersion = version.version
                        replies.post(stored)
                    case .failed(let others):
                        others.forEach { $0.cancel() }
                        replies.post(answer)
                    }
                }
                if let pending, !answers.sent(pending) {
                    pending.cancel()
                }
            }
        }
    }

    /// The inline put `request` carries, once it is one stripe with the chunks that stripe
    /// needs: k + r, or one under replication, each of the stripe's chunk length.
    ///
    /// - Throws: `ErrorMessage` `badRequest`, or `limitExceeded` for an object outside
    ///   the proxy's limits.
    private static func checkedInlinePut(_ request: Frame) throws(ErrorMessage) -> InlinePut {
        let inline: InlinePut
        let layout: StripeLayout
        do {
            inline = try InlinePut(from: request.payload)
        } catch {
            throw ErrorMessage(.badRequest, "putObjectInline: \(error.message)")
        }
        guard let objectLength = Int(exactly: request.objectLength), objectLength <= Self.maximumObjectLength else {
            throw ErrorMessage(.capacityExceeded, "an object of \(request.objectLength) bytes is larger than any cache")
        }
        do {
            layout = try StripeLayout(objectLength: objectLength, dataChunkCount: Int(request.k), parityChunkCount: Int(request.r), maxChunkLength: inline.maxChunkLength)
        } catch {
            throw ErrorMessage(.badRequest, "\(error)")
        }
        let carried = layout.dataChunkCount == 1 ? 1 : layout.dataChunkCount + layout.parityChunkCount
        guard layout.stripeCount == 1, inline.chunks.count == carried, inline.chunkLength == layout.stripe(0).chunkLength else {
            throw ErrorMessage(
                .badRequest,
                "putObjectInline carries one stripe: \(carried) chunks of \(layout.stripe(0).chunkLength) bytes for this object, not \(layout.stripeCount) stripes and \(inline.chunks.count) chunks of \(inline.chunkLength) bytes"
            )
        }
        return inline
    }
}

/// The answers of an inline put's chunks, gathered where they arrive: all stored, or the
/// first failure (after which the other chunks' requests are cancelled).
final class ChunkAnswers: Sendable {
    enum Outcome {
        /// More answers are due.
        case waiting
        /// Every chunk is stored.
        case allStored
        /// This answer is the first failure: cancel these requests.
        case failed(cancel: [PendingRequest])
    }

    private struct State {
        var remaining: Int
        var pending: [PendingRequest] = []
        var isFinished = false
    }

    private let state: Mutex<State>

    init(expected: Int) {
        self.state = Mutex(State(remaining: expected))
    }

    /// Records a chunk's request; false if the put has already finished (cancel it).
    func sent(_ pending: PendingRequest) -> Bool {
        self.state.withLock { state in
            guard !state.isFinished else { return false }
            state.pending.append(pending)
            return true
        }
    }

    /// Takes one chunk's answer for the client (`stored` or an error).
    func take(_ answer: Frame) -> Outcome {
        self.state.withLock { state in
            guard !state.isFinished else { return .waiting }
            guard answer.opcode == .stored else {
                state.isFinished = true
                return .failed(cancel: state.pending)
            }
            state.remaining -= 1
            guard state.remaining == 0 else { return .waiting }
            state.isFinished = true
            return .allStored
        }
    }

    /// The client went away: returns the requests to cancel.
    func abandon() -> [PendingRequest] {
        self.state.withLock { state in
            guard !state.isFinished else { return [] }
            state.isFinished = true
            return state.pending
        }
    }
}
