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
    /// abandons the upload (its chunks are deleted). A replicated object's bytes are then
    /// kept in the small-object tier, if it is on and the object short enough.
    func startPutInline(_ request: Frame, replies: ReplySink) {
        let inline: InlinePut
        let placed: (record: ObjectRecord, evicted: [Deletion])
        do {
            let layout: StripeLayout
            (inline, layout) = try self.checkedInlinePut(request)
            placed = try self.place(request, layout: layout, expiry: inline.expiry)
        } catch {
            replies.post(error.frame(requestID: 0))
            return
        }
        let record = placed.record
        let frames = (0..<(record.k + record.r)).map { index in
            let carried = inline.chunks[inline.chunks.count == 1 ? 0 : index]
            return Frame(
                .putChunk, key: record.key, chunkIndex: UInt8(index), k: request.k, r: request.r,
                objectLength: request.objectLength, objectVersion: record.version, payload: carried.bytes, payloadChecksum: carried.checksum
            )
        }
        // Copied now, outside the lock: the carried chunk is a slice of the request's buffer.
        let tierEntry = record.k == 1 && record.objectLength <= self.smallObjectLimit
            ? SmallObjectTier.compactEntry(version: record.version, bytes: inline.chunks[0].bytes, checksum: inline.chunks[0].checksum) : nil
        let answers = ChunkAnswers(expected: frames.count)
        let abandon: @Sendable () -> Void = {
            answers.abandon().forEach { $0.cancel() }
            self.sendLater(self.withState { $0.abortUpload(record.id) })
        }
        replies.onCancel(abandon)
        // The evicted chunks leave their nodes before the new ones are sent (see beginPut).
        self.delete(placed.evicted) {
            for frame in frames where !answers.isFinished {
                let pending = self.forwardChunk(frame) { answer in
                    switch answers.take(answer) {
                    case .waiting:
                        break
                    case .allStored:
                        if let tierEntry {
                            self.withState { $0.keepInTier(record.key, tierEntry) }
                        }
                        var stored = request.response(.stored)
                        stored.objectVersion = record.version
                        replies.post(stored)
                    case .failed(let others):
                        others.forEach { $0.cancel() }
                        replies.post(answer)
                    }
                }
                guard let pending else {
                    // No upload takes the chunk the proxy made itself: the upload was
                    // abandoned meanwhile (a node it placed on went away, say).
                    abandon()
                    replies.post(ErrorMessage(.unavailable, "the upload was abandoned before its chunks were sent").frame(requestID: 0))
                    return
                }
                if !answers.sent(pending) {
                    pending.cancel()
                }
            }
        }
    }

    /// The inline put `request` carries and the layout of its object, once it is one
    /// stripe with the chunks that stripe needs: k + r, or one under replication, each of
    /// the stripe's chunk length.
    ///
    /// - Throws: `ErrorMessage`: `badRequest` for a malformed payload or the wrong chunks,
    ///   and the errors of ``layout(of:maxChunkLength:)``.
    private func checkedInlinePut(_ request: Frame) throws(ErrorMessage) -> (InlinePut, StripeLayout) {
        let inline: InlinePut
        do {
            inline = try InlinePut(from: request.payload)
        } catch {
            throw ErrorMessage(.badRequest, "putObjectInline: \(error.message)")
        }
        let layout = try self.layout(of: request, maxChunkLength: inline.maxChunkLength)
        let carried = layout.dataChunkCount == 1 ? 1 : layout.dataChunkCount + layout.parityChunkCount
        guard layout.stripeCount == 1, inline.chunks.count == carried, inline.chunkLength == layout.stripe(0).chunkLength else {
            throw ErrorMessage(
                .badRequest,
                "putObjectInline carries one stripe: \(carried) chunks of \(layout.stripe(0).chunkLength) bytes for this object, not \(layout.stripeCount) stripes and \(inline.chunks.count) chunks of \(inline.chunkLength) bytes"
            )
        }
        return (inline, layout)
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
        var state = State(remaining: expected)
        state.pending.reserveCapacity(expected)
        self.state = Mutex(state)
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

    /// Whether the put has its answer (or its client went away).
    var isFinished: Bool {
        self.state.withLock { $0.isFinished }
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
