public import ChunkTransport
public import ChunkWire

/// How a client codes objects and talks to its proxies.
public struct ClientConfiguration: Sendable {
    /// Data chunks per stripe.
    public var dataChunkCount: Int
    /// Parity chunks per stripe.
    public var parityChunkCount: Int
    /// Largest chunk; objects over k × this span several stripes. At most 16 MiB.
    public var maxChunkLength: Int
    /// Objects of at most this many bytes (and at most ``maxChunkLength``) are stored as
    /// r + 1 whole replicas (k = 1), which tolerate the same r lost nodes; a read of one
    /// asks a single replica, and another only if that one is slow or fails. Larger
    /// objects are erasure-coded k + r. 0 erasure-codes every object.
    public var replicationThreshold: Int
    /// A put, get or delete that takes longer fails with `timedOut` (checked by one sweep
    /// every eighth of the timeout, at least a millisecond and at most a second apart, so it
    /// fails within one such interval after the timeout).
    public var timeout: Duration
    /// TCP connections opened to each proxy; requests spread over them.
    public var connectionsPerProxy: Int
    /// Settings of those connections. Payloads are verified by the client itself, chunk
    /// by chunk, so that a corrupt chunk counts as lost rather than failing the read. Keys
    /// longer than its `limits` allow are refused before sending.
    public var transport: TransportConfiguration
    /// The proxies' limits on objects (chunk length, stripes): a put outside them is
    /// refused before anything is sent.
    public var objectLimits: ObjectLimits
    /// The token proxies that require one expect in a client's hello; nil sends none.
    public var token: [UInt8]?

    /// Creates a configuration; the defaults are the paper's 10 + 2 with 8 MiB chunks, and
    /// replication of objects up to ``defaultReplicationThreshold``.
    public init(
        dataChunkCount: Int = 10,
        parityChunkCount: Int = 2,
        maxChunkLength: Int = 8 << 20,
        replicationThreshold: Int = Self.defaultReplicationThreshold,
        timeout: Duration = .seconds(30),
        connectionsPerProxy: Int = 2,
        transport: TransportConfiguration = TransportConfiguration(verifiesPayloadChecksums: false),
        objectLimits: ObjectLimits = .default,
        token: [UInt8]? = nil
    ) {
        self.dataChunkCount = dataChunkCount
        self.parityChunkCount = parityChunkCount
        self.maxChunkLength = maxChunkLength
        self.replicationThreshold = max(0, replicationThreshold)
        self.timeout = timeout
        self.connectionsPerProxy = max(1, connectionsPerProxy)
        self.transport = transport
        self.objectLimits = objectLimits
        self.token = token
    }

    /// The replication threshold by default: 64 KiB (see the README's "Small
    /// objects" for the measurements behind it).
    public static let defaultReplicationThreshold = 64 << 10

    /// The data and parity chunks per stripe of an object of `objectLength` bytes:
    /// (1, r) up to the replication threshold, (k, r) above it.
    public func coding(forObjectLength objectLength: Int) -> (dataChunkCount: Int, parityChunkCount: Int) {
        let replicated = self.replicationThreshold > 0 && objectLength <= min(self.replicationThreshold, self.maxChunkLength)
        return (replicated ? 1 : self.dataChunkCount, self.parityChunkCount)
    }
}
