import ChunkTransport
import ChunkWire
import NIOCore

/// The decisions of one first-d read, free of any transport: which chunk to forward,
/// which fetches to cancel, when the read ends. ``FirstDRead`` feeds it the nodes'
/// answers under its lock and carries out what each event returns after unlocking.
///
/// Chunks to forward wait in an outbox in decision order, and one caller at a time
/// forwards them (``nextPostStep(isPoster:)``), so the reader gets them in the order they
/// were decided even when answers arrive on several threads at once. The outcome is
/// reported after the last chunk has been handed on, and after the round of fetches being
/// sent, if any, has gone out.
///
/// At most ``window`` stripes are fetched at a time — as many as fit in ``windowBytes`` of
/// data chunks, and at least two, so that the next stripe is on its way while the reader
/// takes one: a stripe's fetches start once an earlier stripe is complete
/// (``startFetching()``), so a reader of a large object does not make the proxy hold more
/// than a few stripes of it. One caller at a time sends fetches, and one that asks while
/// another is sending leaves the work to it: answers that arrive inside `send` never nest
/// another round of fetches.
///
/// A hedged read (of a replicated object, k = 1) asks one replica of each stripe first,
/// and another when that one fails, or when the hedge delay passes without an answer
/// (``hedgeDue()``): one replica's answer completes the stripe, and the rest are cancelled.
struct FirstDReadStateMachine {
    /// How a read ended.
    enum Outcome: Sendable, Equatable {
        /// Every stripe's k chunks went to the reader, the last one as the final response.
        case complete
        /// More than r chunks of `stripe` were unreachable.
        case lost(stripe: Int)
        /// The reader went away first.
        case abandoned
    }

    /// A chunk of a stripe of the read (stripes numbered from the read's first).
    struct ChunkAddress: Equatable {
        var stripe: Int
        var chunk: Int
    }

    /// What the caller does after an event: cancel these fetches, send those in `ask`
    /// (and report each with ``sent(stripe:chunk:as:)``), then — if `post` — forward the
    /// outbox through ``nextPostStep(isPoster:)``, and — if `fetchMore` — ask for the next
    /// stripes (when the reader's connection can take more).
    struct Action {
        var cancel: [PendingRequest] = []
        var ask: [ChunkAddress] = []
        var post = false
        var fetchMore = false
    }

    /// One step of forwarding.
    enum PostStep {
        /// Nothing to do, or another caller is forwarding.
        case leave
        /// Hand these chunks to the reader in order; `final` marks the last of the read.
        case forward([(frame: Frame, final: Bool)])
        /// Report how the read ended (once, after its last chunk).
        case report(Outcome)
    }

    private enum Fetch {
        /// A hedged read's spare replica, not asked (yet).
        case notAsked
        case sending
        case inFlight(PendingRequest)
        case done
    }

    private let k: Int
    private let r: Int
    private let version: UInt32
    private let objectLength: UInt64
    private let chunkLengths: [Int]
    /// The object's stripe that the read's stripe 0 is: a range read's stripes are
    /// numbered from 0 here and from this one in the chunks forwarded.
    private let firstStripe: Int
    private var fetches: [[Fetch]]
    /// Whether spare replicas are asked only when needed (see ``hedgeDue()``), in turn
    /// from `firstReplica`.
    let isHedged: Bool
    private let firstReplica: Int
    /// Chunks asked of each stripe so far (in a hedged read; all of them otherwise).
    private var asked: [Int]
    private var forwarded: [Int]
    private var failed: [Int]
    private var completeStripes = 0
    /// Stripes whose fetches have started: 0 ..< this.
    private var startedStripes = 0
    /// Most stripes fetched at a time.
    let window: Int
    /// Data bytes a read fetches at a time by default (its window holds at least two
    /// stripes, whatever their size).
    static let windowBytes = 64 << 20
    /// A caller is sending fetches; `isFetchWanted` asks it to look again when it is done.
    private var isFetching = false
    private var isFetchWanted = false
    private var outcome: Outcome?
    private var isOutcomeReported = false
    private var outbox: [(frame: Frame, final: Bool)] = []
    private var isPosting = false

    /// A read of object version `version`, of `objectLength` bytes in stripes of k + r
    /// chunks, those of stripe `s` `chunkLengths[s]` bytes long, fetching `window` stripes
    /// at a time (by default as many as fit in ``windowBytes``). A read of some stripes
    /// only passes their chunk lengths, and the index of the first as `firstStripe`. With
    /// `hedged` and k = 1, each stripe's replica `firstReplica` is asked alone at first.
    init(
        k: Int, r: Int, version: UInt32, objectLength: Int, chunkLengths: [Int], firstStripe: Int = 0, window: Int? = nil,
        hedged: Bool = false, firstReplica: Int = 0
    ) {
        self.firstStripe = firstStripe
        let stripeBytes = max(k * (chunkLengths.first ?? 0), 1)
        self.window = max(window ?? max(Self.windowBytes / stripeBytes, 2), 1)
        self.k = k
        self.r = r
        self.version = version
        self.objectLength = UInt64(objectLength)
        self.chunkLengths = chunkLengths
        let isHedged = hedged && k == 1 && r > 0
        let first = isHedged ? firstReplica % (k + r) : 0
        self.isHedged = isHedged
        self.firstReplica = first
        var stripe = Array(repeating: Fetch.sending, count: k + r)
        if isHedged {
            stripe = stripe.indices.map { $0 == first ? .sending : .notAsked }
        }
        self.fetches = Array(repeating: stripe, count: chunkLengths.count)
        self.asked = Array(repeating: isHedged ? 1 : k + r, count: chunkLengths.count)
        self.forwarded = Array(repeating: 0, count: chunkLengths.count)
        self.failed = Array(repeating: 0, count: chunkLengths.count)
    }

    /// Whether a node's answer is a chunk the reader can use as chunk `chunk` of
    /// `stripe`: a `chunkData` of that stripe's chunk length and the object's coding
    /// parameters. (Its checksum was verified on the node's link.) A node that answers
    /// anything else — a chunk a byte short with a matching checksum, say — is treated as
    /// having lost it, and a spare is awaited.
    private func isUsable(_ frame: Frame, stripe: Int) -> Bool {
        frame.opcode == .chunkData
            && frame.payload.readableBytes == self.chunkLengths[stripe]
            && Int(frame.k) == self.k && Int(frame.r) == self.r
            && frame.objectLength == self.objectLength
    }

    /// The fetch of chunk `chunk` of `stripe` was sent as `pending`. Returns true if the
    /// read no longer wants it (its answer came already, or the stripe or read is done):
    /// the caller cancels it. The chunks of a stripe to send are those the machine asks
    /// for: ``initialFetches`` when the stripe starts, and those in actions' `ask`.
    mutating func sent(stripe: Int, chunk: Int, as pending: PendingRequest) -> Bool {
        guard case .sending = self.fetches[stripe][chunk] else { return true }
        self.fetches[stripe][chunk] = .inFlight(pending)
        return false
    }

    /// Takes the answer to chunk `chunk` of `stripe`: a chunk is forwarded if its stripe
    /// still needs it; a failure counts against the stripe, and the (r + 1)th makes the
    /// object lost.
    mutating func arrived(stripe: Int, chunk: Int, _ result: Result<Frame, any Error>) -> Action {
        let previous = self.fetches[stripe][chunk]
        if case .done = previous { return Action() }
        self.fetches[stripe][chunk] = .done
        var action = Action(post: true)
        if case .inFlight(let pending) = previous, case .success(let frame) = result, frame.flags.contains(.more) {
            action.cancel.append(pending)
        }
        guard self.outcome == nil, self.forwarded[stripe] < self.k else { return action }
        guard case .success(var frame) = result, self.isUsable(frame, stripe: stripe) else {
            self.failed[stripe] += 1
            if self.failed[stripe] > self.r {
                action.cancel += self.conclude(.lost(stripe: self.firstStripe + stripe))
            } else if let spare = self.askSpare(of: stripe) {
                action.ask.append(spare)
            }
            return action
        }
        // The proxy vouches for the chunk's address, whatever the node put in its reply.
        frame.stripeIndex = UInt32(self.firstStripe + stripe)
        frame.chunkIndex = UInt8(chunk)
        frame.objectVersion = self.version
        frame.key = ByteBuffer()
        self.forwarded[stripe] += 1
        if self.forwarded[stripe] == self.k {
            self.completeStripes += 1
            action.cancel += self.stopFetches(of: stripe)
            action.fetchMore = self.startedStripes < self.fetches.count
        }
        let final = self.completeStripes == self.forwarded.count
        self.outbox.append((frame, final))
        if final {
            action.cancel += self.conclude(.complete)
        }
        return action
    }

    /// The stripes whose fetches the caller sends now — as many as the window has room
    /// for — after which it calls ``continueFetching()``; or nil if another caller is
    /// sending (it will send these too).
    mutating func startFetching() -> Range<Int>? {
        guard !self.isFetching else {
            self.isFetchWanted = true
            return nil
        }
        self.isFetching = true
        return self.takeStripesToFetch()
    }

    /// More stripes to send fetches for, if any were asked for meanwhile; nil when the
    /// caller is done.
    mutating func continueFetching() -> Range<Int>? {
        guard self.isFetchWanted else {
            self.isFetching = false
            return nil
        }
        self.isFetchWanted = false
        return self.takeStripesToFetch()
    }

    /// As many stripes as the window has room for; none once the read has an outcome.
    private mutating func takeStripesToFetch() -> Range<Int> {
        guard self.outcome == nil else { return self.startedStripes..<self.startedStripes }
        let inFlight = self.startedStripes - self.completeStripes
        let end = min(self.fetches.count, self.startedStripes + max(self.window - inFlight, 0))
        defer { self.startedStripes = end }
        return self.startedStripes..<end
    }

    /// The hedge delay passed (a hedged read's caller schedules it after sending the
    /// first fetches, and again while this returns `again`): every stripe being fetched
    /// that is not complete asks one more replica.
    mutating func hedgeDue() -> (action: Action, again: Bool) {
        guard self.outcome == nil else { return (Action(), false) }
        var action = Action()
        for stripe in 0..<self.startedStripes where self.forwarded[stripe] < self.k {
            if let spare = self.askSpare(of: stripe) {
                action.ask.append(spare)
            }
        }
        let again = (0..<self.startedStripes).contains { self.forwarded[$0] < self.k && self.asked[$0] < self.k + self.r }
        return (action, again)
    }

    /// Marks the next replica of `stripe` not yet asked as being sent and returns it;
    /// nil when every chunk of the stripe has been asked.
    private mutating func askSpare(of stripe: Int) -> ChunkAddress? {
        guard self.asked[stripe] < self.k + self.r else { return nil }
        let chunk = (self.firstReplica + self.asked[stripe]) % (self.k + self.r)
        self.asked[stripe] += 1
        self.fetches[stripe][chunk] = .sending
        return ChunkAddress(stripe: stripe, chunk: chunk)
    }

    /// The chunks of a stripe to ask when its fetches start: all, or in a hedged read its
    /// first replica.
    var initialFetches: [Int] {
        self.isHedged ? [self.firstReplica] : Array(0..<(self.k + self.r))
    }

    /// The reader went away: the read ends and every fetch in flight is cancelled.
    mutating func abandon() -> Action {
        guard self.outcome == nil else { return Action() }
        return Action(cancel: self.conclude(.abandoned), post: true)
    }

    /// The next thing the caller must do to forward the outbox. A caller starts with
    /// `isPoster` false and, once it has been given chunks to forward, asks again with
    /// true until it is told to leave: only one caller forwards at a time.
    mutating func nextPostStep(isPoster: Bool) -> PostStep {
        if self.isPosting, !isPoster {
            return .leave
        }
        if !self.outbox.isEmpty {
            self.isPosting = true
            defer { self.outbox.removeAll(keepingCapacity: true) }
            return .forward(self.outbox)
        }
        self.isPosting = false
        // Not while a caller is still sending a round of fetches: the clean-up that follows
        // the report (deleting a lost object's chunks) must not overtake them at a node.
        guard let outcome = self.outcome, !self.isOutcomeReported, !self.isFetching else {
            return .leave
        }
        self.isOutcomeReported = true
        return .report(outcome)
    }

    private mutating func conclude(_ outcome: Outcome) -> [PendingRequest] {
        self.outcome = outcome
        return self.fetches.indices.flatMap { self.stopFetches(of: $0) }
    }

    /// Marks every fetch of `stripe` done and returns those in flight, to cancel.
    private mutating func stopFetches(of stripe: Int) -> [PendingRequest] {
        var cancellations: [PendingRequest] = []
        for chunk in self.fetches[stripe].indices {
            if case .inFlight(let pending) = self.fetches[stripe][chunk] {
                cancellations.append(pending)
            }
            self.fetches[stripe][chunk] = .done
        }
        return cancellations
    }
}
