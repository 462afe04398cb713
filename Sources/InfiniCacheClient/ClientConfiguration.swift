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
    /// A put, get or delete that takes longer fails with `timedOut`.
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

    /// Creates a configuration; the defaults are the paper's 10 + 2 with 8 MiB chunks.
    public init(
        dataChunkCount: Int = 10,
        parityChunkCount: Int = 2,
        maxChunkLength: Int = 8 << 20,
        timeout: Duration = .seconds(30),
        connectionsPerProxy: Int = 2,
        transport: TransportConfiguration = TransportConfiguration(verifiesPayloadChecksums: false),
        objectLimits: ObjectLimits = .default,
        token: [UInt8]? = nil
    ) {
        self.dataChunkCount = dataChunkCount
        self.parityChunkCount = parityChunkCount
        self.maxChunkLength = maxChunkLength
        self.timeout = timeout
        self.connectionsPerProxy = max(1, connectionsPerProxy)
        self.transport = transport
        self.objectLimits = objectLimits
        self.token = token
    }
}
