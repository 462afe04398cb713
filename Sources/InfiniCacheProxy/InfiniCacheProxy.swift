public import ChunkTransport
public import ChunkWire
public import InfiniCacheStatistics
public import Logging
import NIOCore
import Synchronization

/// The proxy as a library: serves clients' requests (it is their `FrameResponder`),
/// places erasure-coded chunks on the cache nodes registered with it, and answers reads
/// with the first k chunks of every stripe to arrive. It never decodes: coding happens in
/// the client.
///
/// Its state is a ``ProxyState`` machine behind one lock; every request asks it for a
/// decision under the lock and sends, forwards, logs and records metrics after
/// releasing it.
public final class InfiniCacheProxy: FrameResponder {
    private let state: Mutex<ProxyState>
    /// Deletions on their way to the nodes (see ``delete(_:then:)``), under a lock of their
    /// own.
    let deletionBatches = Mutex(DeletionBatches())
    let metrics = ProxyMetrics()
    let logger: Logger
    /// The objects the proxy accepts, checked before any placement work.
    public let objectLimits: ObjectLimits
    /// The proxy's clock for expiry times: milliseconds since the Unix epoch.
    let wallClock: @Sendable () -> Int64
    /// How long a read of a replicated object waits for one replica before asking
    /// another; nil asks every replica at once.
    public let hedgeDelay: Duration?
    /// Longest object the small-object tier keeps; -1 when the tier is off.
    let smallObjectLimit: Int

    /// Creates a proxy with no nodes. Uploads that do not complete within
    /// `uploadTimeout` are abandoned and their chunks deleted; objects outside
    /// `objectLimits` are refused with `limitExceeded`. Placement charges each chunk to
    /// its node's capacity as `storageCharge` says: the nodes' own charge by default.
    /// Objects' expiry times are read on `wallClock` (milliseconds since the Unix epoch;
    /// the system's real-time clock by default, a simulated one in tests). A read of a
    /// replicated object (k = 1) asks one replica, and another after each `hedgeDelay`
    /// without an answer (nil: all at once). Replicated objects of at most
    /// `smallObjectLimit` bytes written in one round trip are also kept whole in the proxy's
    /// memory, within `smallObjectTierBudget` bytes (0: none), and read from there with no
    /// node asked.
    public init(
        uploadTimeout: Duration = .seconds(120),
        objectLimits: ObjectLimits = .default,
        storageCharge: StorageCharge = .standard,
        wallClock: @escaping @Sendable () -> Int64 = ObjectExpiry.systemClockMilliseconds,
        hedgeDelay: Duration? = InfiniCacheProxy.defaultHedgeDelay,
        smallObjectTierBudget: Int = InfiniCacheProxy.defaultSmallObjectTierBudget,
        smallObjectLimit: Int = InfiniCacheProxy.defaultSmallObjectLimit,
        logger: Logger = Logger(label: "infinicache.proxy")
    ) {
        let tier = SmallObjectTier(budget: smallObjectTierBudget, objectLimit: smallObjectLimit)
        self.state = Mutex(ProxyState(uploadTimeout: uploadTimeout, storageCharge: storageCharge, tier: tier))
        self.smallObjectLimit = tier.budget > 0 ? tier.objectLimit : -1
        self.objectLimits = objectLimits
        self.wallClock = wallClock
        self.hedgeDelay = hedgeDelay
        self.logger = logger
    }

    /// The hedge delay by default: 5 ms (see the README's "Small objects").
    public static let defaultHedgeDelay: Duration = .milliseconds(5)

    /// The small-object tier's budget by default: 64 MiB (see the README's "Small
    /// objects").
    public static let defaultSmallObjectTierBudget = 64 << 20

    /// The longest object the small-object tier keeps by default: 64 KiB, the client's
    /// replication threshold.
    public static let defaultSmallObjectLimit = 64 << 10

    /// Objects longer than this (1 PiB) are refused before any arithmetic on their length.
    static let maximumObjectLength = 1 << 50

    /// Runs `body` on the state under the lock, then records what it changed in the
    /// metrics, after unlocking.
    func withState<Result>(_ body: (inout ProxyState) -> Result) -> Result {
        let (result, changes) = self.state.withLock { state in
            (body(&state), state.takeMetricChanges())
        }
        self.metrics.record(changes)
        return result
    }

    /// Like ``withState(_:)``, after removing `key` if its expiry time has passed at
    /// `now` (its chunks are deleted after unlocking).
    func withState<Result>(expiring key: ByteBuffer, now: Int64, _ body: (inout ProxyState) -> Result) -> Result {
        let (expired, result) = self.withState { state in
            (state.expireIfDue(key, now: now), body(&state))
        }
        self.sendLater(expired)
        return result
    }

    /// Registers a cache node reachable through `transport`, holding `capacity` bytes.
    @discardableResult
    public func addNode(functionID: String, capacity: Int, transport: any FrameTransport) -> NodeID {
        let id = self.withState { $0.addNode(functionID: functionID, transport: transport, capacity: capacity) }
        self.logger.info("node registered", metadata: ["node": "\(id)", "function": "\(functionID)", "capacity": "\(capacity)"])
        return id
    }

    /// Forgets a node that went away; the chunks it held count as lost. Removing a node
    /// twice is harmless.
    public func removeNode(_ id: NodeID) {
        self.withState { $0.removeNode(id) }
        self.logger.info("node removed", metadata: ["node": "\(id)"])
    }

    /// The proxy's counters and per-node use.
    public func statistics() -> ProxyStatistics {
        self.withState { $0.statistics() }
    }

    /// Chunks the mapping places on the node that `function` registered as: what a new
    /// instance of a serverless function should hold.
    package func chunkCount(ofFunction function: String) -> Int {
        self.withState { $0.chunkCount(ofFunction: function) }
    }

    /// The functions holding chunks of the object stored under `key`, or nil if it is not
    /// cached: for operators and tests that need to know what a lost node takes with it.
    public func functions(holding key: String) -> Set<String>? {
        self.withState { $0.functions(holding: ByteBuffer(string: key)) }
    }

    /// Answers a client's request. Most are answered from the mapping, or by requests
    /// sent on to nodes whose answers are passed back where they arrive; `stats` is
    /// encoded in a task of its own.
    public func respond(to request: Frame, replies: ReplySink) {
        self.metrics.follow(request.opcode, payload: request.payload.readableBytes, replies: replies)
        switch request.opcode {
        case .putObject:
            self.beginPut(request, replies: replies)
        case .putChunk:
            self.startPutChunk(request, replies: replies)
        case .putObjectInline:
            self.startPutInline(request, replies: replies)
        case .getObject:
            self.startGet(request, replies: replies)
        case .statObject:
            let now = self.wallClock()
            let record = self.withState(expiring: request.key, now: now) { $0.record(for: request.key) }
            replies.post(record.map { $0.infoFrame(now: now) } ?? request.response(.notFound))
        case .delete:
            guard let deletions = self.withState(expiring: request.key, now: self.wallClock(), { $0.delete(request.key) }) else {
                replies.post(request.response(.notFound))
                return
            }
            self.sendLater(deletions)
            replies.post(request.response(.deleted))
        case .expire:
            self.respondToExpire(request, replies: replies)
        case .scan:
            self.respondToScan(request, replies: replies)
        case .flush:
            self.sendLater(self.withState { $0.flush() })
            replies.post(request.response(.deleted))
        case .stats:
            let statistics = self.statistics()
            replies.run { replies in
                try await replies.send(statistics.frame())
            }
        default:
            replies.post(ErrorMessage(.badRequest, "the proxy does not serve \(request.opcode)").frame(requestID: 0))
        }
    }
}
