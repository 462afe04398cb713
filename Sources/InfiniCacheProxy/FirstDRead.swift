import ChunkTransport
import ChunkWire
import NIOCore
import Synchronization

/// One first-d read at the proxy, driven by the nodes' responses where they arrive, with
/// no task or thread hop per chunk: each chunk is forwarded to the reader at once, a
/// stripe's stragglers are cancelled as soon as k of its chunks have been forwarded, and
/// the read ends when every stripe has k — or as soon as one stripe cannot reach k. The
/// decisions are a ``FirstDReadStateMachine``'s; this class sends the fetches and carries
/// out each decision after releasing its lock.
final class FirstDRead: Sendable {
    typealias Outcome = FirstDReadStateMachine.Outcome

    private let record: ObjectRecord
    private let replies: ReplySink
    private let onOutcome: @Sendable (Outcome) -> Void
    private let state: Mutex<FirstDReadStateMachine>

    /// Prepares the read of `record` for `replies`; `onOutcome` is called once with how
    /// it ended, after the last chunk was handed to `replies`.
    init(record: ObjectRecord, replies: ReplySink, onOutcome: @escaping @Sendable (Outcome) -> Void) {
        self.record = record
        self.replies = replies
        self.onOutcome = onOutcome
        self.state = Mutex(FirstDReadStateMachine(k: record.k, r: record.r, version: record.version, objectLength: record.objectLength, chunkLengths: record.chunkLengths))
    }

    /// Asks every node of every stripe for its chunk (`transports` gives the way to each
    /// node, nil for a node that is gone). The reader going away (a cancelled request)
    /// abandons the read and cancels every fetch still in flight.
    func start(transports: [NodeID: any FrameTransport]) {
        self.replies.onCancel {
            self.perform(self.state.withLock { $0.abandon() })
        }
        for (stripe, nodes) in self.record.placement.enumerated() {
            for (chunk, node) in nodes.enumerated() {
                guard let transport = transports[node] else {
                    self.arrive(stripe: stripe, chunk: chunk, .failure(TransportError(.connectionClosed, "node \(node) is gone")))
                    continue
                }
                let fetch = Frame(.getChunk, key: self.record.key, stripeIndex: UInt32(stripe), chunkIndex: UInt8(chunk), objectVersion: self.record.version, payloadChecksum: 0)
                let pending = transport.send(fetch) { result in
                    self.arrive(stripe: stripe, chunk: chunk, result)
                }
                if self.state.withLock({ $0.sent(stripe: stripe, chunk: chunk, as: pending) }) {
                    pending.cancel()
                }
            }
        }
    }

    private func arrive(stripe: Int, chunk: Int, _ result: Result<Frame, any Error>) {
        self.perform(self.state.withLock { $0.arrived(stripe: stripe, chunk: chunk, result) })
    }

    private func perform(_ action: FirstDReadStateMachine.Action) {
        for pending in action.cancel {
            pending.cancel()
        }
        guard action.post else { return }
        var isPoster = false
        while true {
            switch self.state.withLock({ $0.nextPostStep(isPoster: isPoster) }) {
            case .leave:
                return
            case .forward(let batch):
                isPoster = true
                for item in batch {
                    self.replies.post(item.frame, final: item.final)
                }
            case .report(let outcome):
                self.onOutcome(outcome)
                return
            }
        }
    }
}
