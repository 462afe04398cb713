import ChunkTransport
import ChunkWire
import NIOCore
import Synchronization

/// One first-d read at the proxy, driven by the nodes' responses where they arrive, with
/// no task or thread hop per chunk: each chunk is forwarded to the reader at once, a
/// stripe's stragglers are cancelled as soon as k of its chunks have been forwarded, and
/// the read ends when every stripe has k — or as soon as one stripe cannot reach k. A few
/// stripes are fetched at a time (64 MiB of data chunks, at least two stripes), the first
/// and the next ones while the reader's connection can take more (its `OutputGate`). The
/// decisions are a ``FirstDReadStateMachine``'s; this class sends the fetches and carries
/// out each decision after releasing its lock.
final class FirstDRead: Sendable {
    typealias Outcome = FirstDReadStateMachine.Outcome

    private let record: ObjectRecord
    /// The object's stripe that the read's first stripe is.
    private let firstStripe: Int
    private let replies: ReplySink
    private let onOutcome: @Sendable (Outcome) -> Void
    private let state: Mutex<FirstDReadStateMachine>
    /// The way to each node, set by ``start(transports:)``.
    private let transports = Mutex<[NodeID: any FrameTransport]>([:])

    /// Prepares the read of `stripes` of `record` for `replies`; `onOutcome` is called
    /// once with how it ended, after the last chunk was handed to `replies`.
    init(record: ObjectRecord, stripes: Range<Int>, replies: ReplySink, onOutcome: @escaping @Sendable (Outcome) -> Void) {
        self.record = record
        self.firstStripe = stripes.lowerBound
        self.replies = replies
        self.onOutcome = onOutcome
        self.state = Mutex(
            FirstDReadStateMachine(
                k: record.k, r: record.r, version: record.version, objectLength: record.objectLength,
                chunkLengths: Array(record.chunkLengths[stripes]), firstStripe: stripes.lowerBound
            )
        )
    }

    /// Asks every node of every stripe for its chunk (`transports` gives the way to each
    /// node, nil for a node that is gone). The reader going away (a cancelled request)
    /// abandons the read and cancels every fetch still in flight.
    func start(transports: [NodeID: any FrameTransport]) {
        self.transports.withLock { $0 = transports }
        self.replies.onCancel {
            self.perform(self.state.withLock { $0.abandon() })
        }
        // A reader whose connection is backed up gets no new read started for it either.
        self.replies.output.whenOpen { self.fetchMore() }
    }

    /// Sends the fetches of the stripes the window has room for, in rounds, unless another
    /// thread is sending (it then sends these too).
    private func fetchMore() {
        var stripes = self.state.withLock { $0.startFetching() }
        guard stripes != nil else { return }
        while let round = stripes {
            self.fetch(round)
            stripes = self.state.withLock { $0.continueFetching() }
        }
        // An outcome decided while this round went out was held back: report it now.
        self.perform(FirstDReadStateMachine.Action(post: true))
    }

    /// Fetches the read's `stripes` (numbered from the read's first stripe).
    private func fetch(_ stripes: Range<Int>) {
        let transports = self.transports.withLock { $0 }
        for stripe in stripes {
            for (chunk, node) in self.record.placement[self.firstStripe + stripe].enumerated() {
                guard let transport = transports[node] else {
                    self.arrive(stripe: stripe, chunk: chunk, .failure(TransportError(.connectionClosed, "node \(node) is gone")))
                    continue
                }
                let fetch = Frame(.getChunk, key: self.record.key, stripeIndex: UInt32(self.firstStripe + stripe), chunkIndex: UInt8(chunk), objectVersion: self.record.version, payloadChecksum: 0)
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
        if action.fetchMore {
            self.replies.output.whenOpen { self.fetchMore() }
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
