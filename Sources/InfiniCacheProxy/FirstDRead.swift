import ChunkTransport
import ChunkWire
import NIOCore
import Synchronization

/// One first-d read at the proxy, driven by the nodes' responses where they arrive, with
/// no task or thread hop per chunk: each chunk is forwarded to the reader at once, a
/// stripe's stragglers are cancelled as soon as k of its chunks have been forwarded, and
/// the read ends when every stripe has k — or as soon as one stripe cannot reach k.
final class FirstDRead: Sendable {
    /// How a read ended.
    enum Outcome: Sendable {
        /// Every stripe's k chunks went to the reader, the last one as the final response.
        case complete
        /// More than r chunks of `stripe` were unreachable.
        case lost(stripe: Int)
        /// The reader went away first.
        case abandoned
    }

    private enum Fetch {
        case sending
        case inFlight(PendingRequest)
        case done
    }

    private struct State {
        var fetches: [[Fetch]]
        var forwarded: [Int]
        var failed: [Int]
        var completeStripes = 0
        var outcome: Outcome?
        /// Cleared once called.
        var onOutcome: (@Sendable (Outcome) -> Void)?
        /// Chunks to forward, in decision order; one thread at a time posts them.
        var outbox: [(frame: Frame, final: Bool)] = []
        var isPosting = false
    }

    private let record: ObjectRecord
    private let replies: ReplySink
    private let state: Mutex<State>

    /// Prepares the read of `record` for `replies`; `onOutcome` is called once with how
    /// it ended, after the last chunk was handed to `replies`.
    init(record: ObjectRecord, replies: ReplySink, onOutcome: @escaping @Sendable (Outcome) -> Void) {
        self.record = record
        self.replies = replies
        let stripes = record.placement.count
        let width = record.k + record.r
        self.state = Mutex(State(
            fetches: Array(repeating: Array(repeating: .sending, count: width), count: stripes),
            forwarded: Array(repeating: 0, count: stripes),
            failed: Array(repeating: 0, count: stripes),
            onOutcome: onOutcome
        ))
    }

    /// Asks every node of every stripe for its chunk. The reader going away (a cancelled
    /// request) abandons the read and cancels every fetch still in flight.
    func start(transports: (NodeID) -> (any NodeTransport)?) {
        self.replies.onCancel {
            self.end(.abandoned)
        }
        for (stripe, nodes) in self.record.placement.enumerated() {
            for (chunk, node) in nodes.enumerated() {
                guard let transport = transports(node) else {
                    self.arrive(stripe: stripe, chunk: chunk, .failure(TransportError(.connectionClosed, "node \(node) is gone")))
                    continue
                }
                let fetch = Frame(.getChunk, key: self.record.key, stripeIndex: UInt32(stripe), chunkIndex: UInt8(chunk), objectVersion: self.record.version, payloadChecksum: 0)
                let pending = transport.send(fetch) { result in
                    self.arrive(stripe: stripe, chunk: chunk, result)
                }
                let unwanted = self.state.withLock { state in
                    guard case .sending = state.fetches[stripe][chunk] else { return true }
                    state.fetches[stripe][chunk] = .inFlight(pending)
                    return false
                }
                if unwanted {
                    pending.cancel()
                }
            }
        }
    }

    /// Takes the answer to chunk `chunk` of `stripe`.
    private func arrive(stripe: Int, chunk: Int, _ result: Result<Frame, any Error>) {
        let cancellations = self.state.withLock { state -> [PendingRequest] in
            let previous = state.fetches[stripe][chunk]
            if case .done = previous { return [] }
            state.fetches[stripe][chunk] = .done
            var cancellations: [PendingRequest] = []
            if case .inFlight(let pending) = previous, case .success(let frame) = result, frame.flags.contains(.more) {
                cancellations.append(pending)
            }
            guard state.outcome == nil, state.forwarded[stripe] < self.record.k else { return cancellations }
            guard case .success(var frame) = result, frame.opcode == .chunkData else {
                state.failed[stripe] += 1
                if state.failed[stripe] > self.record.r {
                    cancellations += Self.conclude(.lost(stripe: stripe), state: &state)
                }
                return cancellations
            }
            // The proxy vouches for the chunk's address, whatever the node put in its reply.
            frame.stripeIndex = UInt32(stripe)
            frame.chunkIndex = UInt8(chunk)
            frame.objectVersion = self.record.version
            frame.key = ByteBuffer()
            state.forwarded[stripe] += 1
            let stripeComplete = state.forwarded[stripe] == self.record.k
            if stripeComplete {
                state.completeStripes += 1
                cancellations += Self.stopFetches(of: stripe, state: &state)
            }
            let final = state.completeStripes == state.forwarded.count
            state.outbox.append((frame, final))
            if final {
                cancellations += Self.conclude(.complete, state: &state)
            }
            return cancellations
        }
        for pending in cancellations {
            pending.cancel()
        }
        self.post()
    }

    /// Ends the read early (the reader went away).
    private func end(_ outcome: Outcome) {
        let cancellations = self.state.withLock { state in
            state.outcome == nil ? Self.conclude(outcome, state: &state) : []
        }
        for pending in cancellations {
            pending.cancel()
        }
        self.post()
    }

    private enum PostingStep {
        case leave
        case forward([(frame: Frame, final: Bool)])
        case conclude(@Sendable (Outcome) -> Void, Outcome)
    }

    /// Forwards the outbox in order, from one thread at a time (a thread that finds
    /// another posting leaves its chunks to it), and then — once the read has an outcome —
    /// reports it: only after the final chunk was handed on.
    private func post() {
        var isPoster = false
        while true {
            let step = self.state.withLock { state -> PostingStep in
                if state.isPosting, !isPoster {
                    return .leave
                }
                if !state.outbox.isEmpty {
                    state.isPosting = true
                    defer { state.outbox.removeAll(keepingCapacity: true) }
                    return .forward(state.outbox)
                }
                state.isPosting = false
                guard let outcome = state.outcome, let onOutcome = state.onOutcome else {
                    return .leave
                }
                state.onOutcome = nil
                return .conclude(onOutcome, outcome)
            }
            switch step {
            case .leave:
                return
            case .forward(let batch):
                isPoster = true
                for item in batch {
                    self.replies.post(item.frame, final: item.final)
                }
            case .conclude(let onOutcome, let outcome):
                onOutcome(outcome)
                return
            }
        }
    }

    private static func conclude(_ outcome: Outcome, state: inout State) -> [PendingRequest] {
        state.outcome = outcome
        return state.fetches.indices.flatMap { Self.stopFetches(of: $0, state: &state) }
    }

    /// Marks every fetch of `stripe` done and returns those in flight, to cancel.
    private static func stopFetches(of stripe: Int, state: inout State) -> [PendingRequest] {
        var cancellations: [PendingRequest] = []
        for chunk in state.fetches[stripe].indices {
            if case .inFlight(let pending) = state.fetches[stripe][chunk] {
                cancellations.append(pending)
            }
            state.fetches[stripe][chunk] = .done
        }
        return cancellations
    }
}
