public import ChunkWire
public import NIOCore

/// Settings shared by every transport implementation in this module.
public struct TransportConfiguration: Sendable {
    /// Limits on incoming frames and on requests in flight per connection.
    public var limits: WireLimits
    /// Whether a receiver checks the CRC-32C of every payload it is the final receiver of.
    /// A relay that only forwards payloads (the proxy) may turn this off; a mismatch fails
    /// only the request it belongs to, never the connection.
    public var verifiesPayloadChecksums: Bool
    /// A requester pings a connection that has been silent this long; nil turns liveness
    /// checking off (for peers that legitimately pause, such as frozen functions).
    public var pingInterval: TimeAmount?
    /// A requester closes a connection that has been silent this long, failing its
    /// outstanding requests with ``TransportError/Code-swift.struct/timedOut``.
    public var livenessTimeout: TimeAmount
    /// How long a hello/welcome exchange may take.
    public var handshakeTimeout: TimeAmount
    /// A frame that has begun arriving must be whole within this, or its connection is
    /// closed (`WireError` `stalledFrame`): a peer that trickles a frame, or stalls in the
    /// middle of one, holds its memory no longer. nil turns the check off.
    public var frameTimeout: TimeAmount?
    /// A responder drops a connection once this many bytes of its answers are written but
    /// not yet taken by the socket: a requester that sends requests and never reads their
    /// answers cannot make the responder buffer without bound. nil turns the limit off.
    /// (A cache node's session to its proxy never applies it.)
    public var outputLimit: Int?
    /// A responder drops a connection whose requester has taken none of its answers for
    /// this long while some wait to be written (its socket stays full): work paused for
    /// it — a read waiting to fetch its next stripes — is not held forever. nil turns the
    /// check off. (A cache node's session to its proxy never applies it.)
    public var outputStallTimeout: TimeAmount?

    /// Creates a configuration; the defaults suit loopback and data-centre networks.
    public init(
        limits: WireLimits = .default,
        verifiesPayloadChecksums: Bool = true,
        pingInterval: TimeAmount? = .seconds(5),
        livenessTimeout: TimeAmount = .seconds(15),
        handshakeTimeout: TimeAmount = .seconds(10),
        frameTimeout: TimeAmount? = .seconds(30),
        outputLimit: Int? = 256 << 20,
        outputStallTimeout: TimeAmount? = .seconds(60)
    ) {
        self.limits = limits
        self.verifiesPayloadChecksums = verifiesPayloadChecksums
        self.pingInterval = pingInterval
        self.livenessTimeout = livenessTimeout
        self.handshakeTimeout = handshakeTimeout
        self.frameTimeout = frameTimeout
        self.outputLimit = outputLimit
        self.outputStallTimeout = outputStallTimeout
    }

    /// The defaults described on each property.
    public static let `default` = TransportConfiguration()
}
