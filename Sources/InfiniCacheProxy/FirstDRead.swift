import ChunkTransport
import ChunkWire
import NIOCore
import NIOPosix
import Synchronization

/// One first-d read at the proxy, driven by the nodes' responses where they arrive, with
/// no task or thread hop per chunk: each chunk is forwarded to the reader at once, a
/// stripe's stragglers are cancelled as soon as k of its chunks have been forwarded, and
/// the read ends when every stripe has k — or as soon as one stripe cannot reach k. A few
/// stripes are fetched at a time (64 MiB of data chunks, at least two stripes), the first
/// and the next ones while the reader's connection can take more (its `OutputGate`). The
/// decisions are a ``FirstDReadStateMachine``'s; this class sends the fetches and carries
/// out each decision after releasing its lock.
///
/// A read of a replicated object (k = 1) with a hedge delay is hedged: it asks one replica
/// (chosen at random, to spread the load), and another each time the delay passes without
/// an answer, or at once when one fails.
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
    /// The chunks of each stripe asked first.
    private let initialFetches: [Int]
    private let hedgeDelay: Duration?
    /// The next hedge, while one is scheduled.
    private let hedge = Mutex<Scheduled<Void>?>(nil)

    /// Prepares the read of `stripes` of `record` for `replies`; `onOutcome` is called
    /// once with how it ended, after the last chunk was handed to `replies`. A replicated
    /// object is read hedged when `hedgeDelay` is given.
    init(record: ObjectRecord, stripes: Range<Int>, replies: ReplySink, hedgeDelay: Duration?, onOutcome: @escaping @Sendable (Outcome) -> Void) {
        self.record = record
        self.firstStripe = stripes.lowerBound
        self.replies = replies
        self.onOutcome = onOutcome
        let machine = FirstDReadStateMachine(
            k: record.k, r: record.r, version: record.version, objectLength: record.objectLength,
            chunkLengths: Array(record.chunkLengths[stripes]), firstStripe: stripes.lowerBound,
            hedged: hedgeDelay != nil, firstReplica: Int.random(in: 0...record.r)
        )
        self.initialFetches = machine.initialFetches
        self.hedgeDelay = machine.isHedged ? hedgeDelay : nil
        self.state = Mutex(machine)
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
        self.scheduleHedge()
        // An outcome decided while this round went out was held back: report it now.
        self.perform(FirstDReadStateMachine.Action(post: true))
    }

    /// Asks for spare replicas after the hedge delay (if the read is hedged, and no hedge
    /// is scheduled yet), on the event loop of the thread that asks, if it runs one.
    private func scheduleHedge() {
        guard let delay = self.hedgeDelay else { return }
        self.hedge.withLock { hedge in
            guard hedge == nil else { return }
            hedge = NIOSingletons.posixEventLoopGroup.any().scheduleTask(in: TimeAmount(delay)) {
                self.hedge.withLock { $0 = nil }
                let (action, again) = self.state.withLock { $0.hedgeDue() }
                self.perform(action)
                if again {
                    self.scheduleHedge()
                }
            }
        }
    }

    /// Fetches the read's `stripes` (numbered from the read's first stripe).
    private func fetch(_ stripes: Range<Int>) {
        let transports = self.transports.withLock { $0 }
        for stripe in stripes {
            for chunk in self.initialFetches {
                self.fetch(stripe: stripe, chunk: chunk, transports: transports)
            }
        }
    }

    /// Asks the node holding chunk `chunk` of the read's stripe `stripe` for it, through
    /// `transports` (nil for a node that is gone).
    private func fetch(stripe: Int, chunk: Int, transports: [NodeID: any FrameTransport]) {
        let node = self.record.placement[self.firstStripe + stripe][chunk]
        guard let transport = transports[node] else {
            self.arrive(stripe: stripe, chunk: chunk, .failure(TransportError(.connectionClosed, "node \(node) is gone")))
            return
        }
        let fetch = Frame(.getChunk, key: self.record.key, stripeIndex: UInt32(self.firstStripe + stripe), chunkIndex: UInt8(chunk), objectVersion: self.record.version, payloadChecksum: 0)
        let pending = transport.send(fetch) { result in
            self.arrive(stripe: stripe, chunk: chunk, result)
        }
        if self.state.withLock({ $0.sent(stripe: stripe, chunk: chunk, as: pending) }) {
            pending.cancel()
        }
    }

    private func arrive(stripe: Int, chunk: Int, _ result: Result<Frame, any Error>) {
        self.perform(self.state.withLock { $0.arrived(stripe: stripe, chunk: chunk, result) })
    }

    private func perform(_ action: FirstDReadStateMachine.Action) {
        for pending in action.cancel {
            pending.cancel()
        }
        if !action.ask.isEmpty {
            let transports = self.transports.withLock { $0 }
            for spare in action.ask {
                self.fetch(stripe: spare.stripe, chunk: spare.chunk, transports: transports)
            }
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
                self.hedge.withLock { $0.take() }?.cancel()
                self.onOutcome(outcome)
                return
            }
        }
    }
}
