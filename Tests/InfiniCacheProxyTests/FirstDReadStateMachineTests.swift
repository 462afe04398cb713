import ChunkTransport
import ChunkWire
@testable import InfiniCacheProxy
import NIOCore
import Synchronization
import Testing

/// Fetches whose cancellations are counted.
private final class Fetches: Sendable {
    private let cancelled = Mutex<Set<Int>>([])

    func pending(_ id: Int) -> PendingRequest {
        PendingRequest { self.cancelled.withLock { _ = $0.insert(id) } }
    }

    func cancel(_ requests: [PendingRequest]) {
        requests.forEach { $0.cancel() }
    }

    var cancelledIDs: Set<Int> { self.cancelled.withLock { $0 } }
}

@Suite("First-d read state machine")
struct FirstDReadStateMachineTests {
    /// A chunk as a node answers it for an object of 1,000 bytes coded k + r (2 + 1 unless
    /// given) in chunks of 4 bytes (the machines below read such objects), `length` bytes long.
    private func chunk(_ byte: UInt8, more: Bool = false, length: Int = 4, k: UInt8 = 2, r: UInt8 = 1) -> Result<Frame, any Error> {
        .success(Frame(
            .chunkData, flags: more ? .more : [], key: ByteBuffer(string: "node's key"), stripeIndex: 99, chunkIndex: 99,
            k: k, r: r, objectLength: 1000, payload: ByteBuffer(repeating: byte, count: length)
        ))
    }

    private func machine(k: Int, r: Int, stripes: Int) -> FirstDReadStateMachine {
        FirstDReadStateMachine(k: k, r: r, version: 7, objectLength: 1000, chunkLengths: Array(repeating: 4, count: stripes))
    }

    /// A machine for one stripe of k + r whose fetches have all been sent.
    private func sentRead(k: Int, r: Int, stripes: Int = 1, fetches: Fetches) -> FirstDReadStateMachine {
        var machine = self.machine(k: k, r: r, stripes: stripes)
        for stripe in 0..<stripes {
            for chunk in 0..<(k + r) {
                let unwanted = machine.sent(stripe: stripe, chunk: chunk, as: fetches.pending(stripe * 100 + chunk))
                #expect(!unwanted)
            }
        }
        return machine
    }

    /// Everything the machine gives one poster to forward, and the outcome it reports.
    private func drain(_ machine: inout FirstDReadStateMachine) -> (frames: [(frame: Frame, final: Bool)], outcome: FirstDReadStateMachine.Outcome?) {
        var frames: [(frame: Frame, final: Bool)] = []
        var isPoster = false
        while true {
            switch machine.nextPostStep(isPoster: isPoster) {
            case .leave:
                return (frames, nil)
            case .forward(let batch):
                isPoster = true
                frames += batch
            case .report(let outcome):
                return (frames, outcome)
            }
        }
    }

    @Test("the first k chunks are forwarded with the proxy's address, the last as final, and stragglers cancelled")
    func complete() {
        let fetches = Fetches()
        var machine = self.sentRead(k: 2, r: 1, fetches: fetches)
        fetches.cancel(machine.arrived(stripe: 0, chunk: 2, self.chunk(2)).cancel)
        var drained = self.drain(&machine)
        #expect(drained.frames.map(\.final) == [false] && drained.outcome == nil)
        let frame = drained.frames[0].frame
        #expect(frame.stripeIndex == 0 && frame.chunkIndex == 2 && frame.objectVersion == 7 && frame.key.readableBytes == 0)
        fetches.cancel(machine.arrived(stripe: 0, chunk: 0, self.chunk(0)).cancel)
        #expect(fetches.cancelledIDs == [1], "the straggler is cancelled once the stripe has k")
        drained = self.drain(&machine)
        #expect(drained.frames.map(\.final) == [true])
        #expect(drained.outcome == .complete)
        let late = machine.arrived(stripe: 0, chunk: 1, self.chunk(1))
        #expect(late.cancel.isEmpty, "a late chunk is dropped")
        #expect(self.drain(&machine).frames.isEmpty)
    }

    @Test("more than r failures in a stripe make the object lost and cancel every fetch")
    func lost() {
        let fetches = Fetches()
        var machine = self.sentRead(k: 2, r: 1, stripes: 2, fetches: fetches)
        let failure: Result<Frame, any Error> = .failure(TransportError(.connectionClosed, "gone"))
        fetches.cancel(machine.arrived(stripe: 1, chunk: 0, failure).cancel)
        #expect(fetches.cancelledIDs.isEmpty)
        fetches.cancel(machine.arrived(stripe: 1, chunk: 1, .success(Frame(.notFound))).cancel)
        #expect(fetches.cancelledIDs == [0, 1, 2, 102])
        #expect(self.drain(&machine).outcome == .lost(stripe: 1))
    }

    @Test("a reader that goes away cancels every fetch in flight; the outcome is reported once")
    func abandoned() {
        let fetches = Fetches()
        var machine = self.sentRead(k: 2, r: 1, fetches: fetches)
        _ = machine.arrived(stripe: 0, chunk: 0, self.chunk(0))
        fetches.cancel(machine.abandon().cancel)
        #expect(fetches.cancelledIDs == [1, 2])
        let drained = self.drain(&machine)
        #expect(drained.frames.count == 1 && drained.outcome == .abandoned)
        let again = machine.abandon()
        #expect(again.cancel.isEmpty)
        #expect(self.drain(&machine).outcome == nil)
    }

    @Test("a fetch answered before it was recorded as sent is cancelled by its sender")
    func answeredWhileSending() {
        var machine = self.machine(k: 1, r: 1, stripes: 1)
        _ = machine.arrived(stripe: 0, chunk: 0, self.chunk(0, k: 1))
        let answeredUnwanted = machine.sent(stripe: 0, chunk: 0, as: PendingRequest {})
        #expect(answeredUnwanted)
        let stragglerUnwanted = machine.sent(stripe: 0, chunk: 1, as: PendingRequest {})
        #expect(stragglerUnwanted, "the stripe is complete: its other fetch is unwanted")
    }

    @Test("only one caller forwards at a time; another leaves its chunks to it")
    func onePoster() {
        let fetches = Fetches()
        var machine = self.sentRead(k: 2, r: 1, fetches: fetches)
        _ = machine.arrived(stripe: 0, chunk: 0, self.chunk(0))
        guard case .forward(let first) = machine.nextPostStep(isPoster: false) else {
            Issue.record("the first caller was not given the chunk")
            return
        }
        _ = machine.arrived(stripe: 0, chunk: 1, self.chunk(1))
        guard case .leave = machine.nextPostStep(isPoster: false) else {
            Issue.record("a second caller was given chunks while the first forwards")
            return
        }
        guard case .forward(let second) = machine.nextPostStep(isPoster: true) else {
            Issue.record("the poster was not given the later chunk")
            return
        }
        #expect(first.map(\.frame.chunkIndex) == [0] && second.map(\.frame.chunkIndex) == [1])
        guard case .report(.complete) = machine.nextPostStep(isPoster: true) else {
            Issue.record("the outcome was not reported after the last chunk")
            return
        }
    }

    @Test("a chunk of the wrong length or coding is not forwarded: it counts as lost, and a spare is taken")
    func unusableChunks() {
        let fetches = Fetches()
        var machine = self.sentRead(k: 2, r: 1, fetches: fetches)
        _ = machine.arrived(stripe: 0, chunk: 0, self.chunk(0, length: 3))
        _ = machine.arrived(stripe: 0, chunk: 1, self.chunk(1))
        #expect(self.drain(&machine).frames.count == 1, "the short chunk was not forwarded")
        _ = machine.arrived(stripe: 0, chunk: 2, self.chunk(2))
        let drained = self.drain(&machine)
        #expect(drained.frames.map(\.frame.chunkIndex) == [2] && drained.outcome == .complete)

        var wrongCoding = self.sentRead(k: 2, r: 1, fetches: fetches)
        _ = wrongCoding.arrived(stripe: 0, chunk: 0, self.chunk(0, k: 3))
        _ = wrongCoding.arrived(stripe: 0, chunk: 1, self.chunk(1, length: 5))
        #expect(self.drain(&wrongCoding).outcome == .lost(stripe: 0), "two unusable chunks are more than r = 1")
    }

    @Test("stripes are fetched a window at a time: the next starts when one completes; none after the outcome")
    func window() {
        var machine = FirstDReadStateMachine(k: 2, r: 1, version: 7, objectLength: 1000, chunkLengths: Array(repeating: 4, count: 5), window: 2)
        #expect(machine.startFetching() == 0..<2)
        #expect(machine.startFetching() == nil, "a second caller leaves the sending to the first")
        #expect(machine.continueFetching() == 2..<2, "it looks again: the window is full")
        #expect(machine.continueFetching() == nil)
        _ = machine.arrived(stripe: 1, chunk: 0, self.chunk(0))
        let completing = machine.arrived(stripe: 1, chunk: 2, self.chunk(2))
        #expect(completing.fetchMore)
        #expect(machine.startFetching() == 2..<3)
        #expect(machine.continueFetching() == nil)
        _ = machine.arrived(stripe: 2, chunk: 0, .failure(TransportError(.connectionClosed, "gone")))
        _ = machine.arrived(stripe: 2, chunk: 1, .failure(TransportError(.connectionClosed, "gone")))
        #expect(machine.startFetching() == 3..<3, "a lost object fetches nothing more")
    }

    @Test("the default window holds 64 MiB of data chunks, and at least two stripes however large")
    func windowInBytes() {
        var small = FirstDReadStateMachine(k: 10, r: 2, version: 1, objectLength: 100 << 20, chunkLengths: Array(repeating: 64 << 10, count: 160))
        #expect(small.startFetching() == 0..<102, "102 stripes of 640 KiB fit in 64 MiB")
        var large = FirstDReadStateMachine(k: 10, r: 2, version: 1, objectLength: 1 << 30, chunkLengths: Array(repeating: 8 << 20, count: 13))
        #expect(large.startFetching() == 0..<2, "two stripes of 80 MiB at a time")
    }

    /// A hedged read of one replicated stripe (k = 1, r = 2) starting at replica 1, whose
    /// first fetches have been sent.
    private func hedgedRead(fetches: Fetches, stripes: Int = 1) -> FirstDReadStateMachine {
        var machine = FirstDReadStateMachine(k: 1, r: 2, version: 7, objectLength: 1000, chunkLengths: Array(repeating: 4, count: stripes), hedged: true, firstReplica: 1)
        #expect(machine.isHedged && machine.initialFetches == [1])
        #expect(machine.startFetching() == 0..<stripes)
        for stripe in 0..<stripes {
            let unwanted = machine.sent(stripe: stripe, chunk: 1, as: fetches.pending(stripe * 100 + 1))
            #expect(!unwanted)
        }
        #expect(machine.continueFetching() == nil)
        return machine
    }

    @Test("a hedged read asks one replica; the hedge delay asks the next, in turn, until all are asked")
    func hedgeAsksInTurn() {
        let fetches = Fetches()
        var machine = self.hedgedRead(fetches: fetches)
        var (action, again) = machine.hedgeDue()
        #expect(action.ask == [.init(stripe: 0, chunk: 2)] && again)
        _ = machine.sent(stripe: 0, chunk: 2, as: fetches.pending(2))
        (action, again) = machine.hedgeDue()
        #expect(action.ask == [.init(stripe: 0, chunk: 0)] && !again, "replica 0 is the last not asked")
        _ = machine.sent(stripe: 0, chunk: 0, as: fetches.pending(0))
        #expect(machine.hedgeDue().action.ask.isEmpty)
        fetches.cancel(machine.arrived(stripe: 0, chunk: 2, self.chunk(2, k: 1, r: 2)).cancel)
        #expect(fetches.cancelledIDs == [0, 1], "the first answer wins; the others are cancelled")
        let drained = self.drain(&machine)
        #expect(drained.frames.map(\.frame.chunkIndex) == [2] && drained.frames.map(\.final) == [true])
        #expect(drained.outcome == .complete)
    }

    @Test("a hedged read that gets its answer in time asks no other replica")
    func hedgeNotNeeded() {
        let fetches = Fetches()
        var machine = self.hedgedRead(fetches: fetches)
        _ = machine.arrived(stripe: 0, chunk: 1, self.chunk(1, k: 1, r: 2))
        #expect(self.drain(&machine).outcome == .complete)
        let (action, again) = machine.hedgeDue()
        #expect(action.ask.isEmpty && !again)
    }

    @Test("a failed replica makes a hedged read ask the next at once; all r + 1 failing lose the object")
    func hedgeOnFailure() {
        let fetches = Fetches()
        var machine = self.hedgedRead(fetches: fetches, stripes: 2)
        let failure: Result<Frame, any Error> = .failure(TransportError(.connectionClosed, "gone"))
        #expect(machine.arrived(stripe: 1, chunk: 1, failure).ask == [.init(stripe: 1, chunk: 2)])
        _ = machine.sent(stripe: 1, chunk: 2, as: fetches.pending(102))
        #expect(machine.arrived(stripe: 1, chunk: 2, .success(Frame(.notFound))).ask == [.init(stripe: 1, chunk: 0)])
        _ = machine.sent(stripe: 1, chunk: 0, as: fetches.pending(100))
        let hedge = machine.hedgeDue()
        #expect(hedge.action.ask == [.init(stripe: 0, chunk: 2)], "stripe 1 has every replica asked")
        _ = machine.sent(stripe: 0, chunk: 2, as: fetches.pending(2))
        let last = machine.arrived(stripe: 1, chunk: 0, failure)
        #expect(last.ask.isEmpty)
        fetches.cancel(last.cancel)
        #expect(fetches.cancelledIDs == [1, 2])
        #expect(self.drain(&machine).outcome == .lost(stripe: 1))
    }

    @Test("only replicated objects are hedged; an erasure-coded read asks every chunk")
    func hedgingNeedsReplication() {
        let coded = FirstDReadStateMachine(k: 2, r: 1, version: 7, objectLength: 1000, chunkLengths: [4], hedged: true, firstReplica: 1)
        #expect(!coded.isHedged && coded.initialFetches == [0, 1, 2])
        let unhedged = FirstDReadStateMachine(k: 1, r: 2, version: 7, objectLength: 1000, chunkLengths: [4])
        #expect(!unhedged.isHedged && unhedged.initialFetches == [0, 1, 2])
        let single = FirstDReadStateMachine(k: 1, r: 0, version: 7, objectLength: 1000, chunkLengths: [4], hedged: true)
        #expect(!single.isHedged && single.initialFetches == [0])
    }
}

@Suite("Inline put answers")
struct ChunkAnswersTests {
    @Test("the put is stored when every chunk is; the first failure is the answer and cancels the rest")
    func answers() {
        let fetches = Fetches()
        let stored = Frame(.stored)
        let failure = ErrorMessage(.unavailable, "node gone").frame(requestID: 0)
        let answers = ChunkAnswers(expected: 3)
        #expect(answers.sent(fetches.pending(0)) && answers.sent(fetches.pending(1)))
        guard case .waiting = answers.take(stored) else { Issue.record("one of three stored is not the end"); return }
        guard case .failed(let cancel) = answers.take(failure) else { Issue.record("a failure was not the answer"); return }
        fetches.cancel(cancel)
        #expect(fetches.cancelledIDs == [0, 1])
        guard case .waiting = answers.take(stored) else { Issue.record("an answer after the end counted"); return }
        #expect(!answers.sent(fetches.pending(2)), "a chunk sent after the end is cancelled by its sender")
        #expect(answers.abandon().isEmpty)

        let complete = ChunkAnswers(expected: 2)
        guard case .waiting = complete.take(stored), case .allStored = complete.take(stored) else {
            Issue.record("two of two stored did not complete the put")
            return
        }
        let abandoned = ChunkAnswers(expected: 2)
        _ = abandoned.sent(fetches.pending(9))
        #expect(abandoned.abandon().count == 1)
    }
}
