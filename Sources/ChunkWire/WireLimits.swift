/// Limits a receiver enforces before it trusts a peer's lengths, so that a malformed or
/// hostile frame is refused before any buffer of the claimed size is allocated.
public struct WireLimits: Sendable, Hashable {
    /// Largest key, in bytes. Default 1 KiB; at most `UInt16.max` (the header field's width).
    public var maximumKeyLength: Int
    /// Largest payload, in bytes. Default 16 MiB + 64 KiB: the largest chunk the codec
    /// produces plus headroom. At most `UInt32.max` (the header field's width).
    public var maximumPayloadLength: Int
    /// Most requests one connection may have outstanding at once. A requester queues
    /// requests beyond it; a responder answers the excess with an `overloaded` error.
    public var maximumRequestsInFlight: Int

    /// Creates limits; values outside the header fields' ranges are clamped to them.
    public init(
        maximumKeyLength: Int = 1024,
        maximumPayloadLength: Int = 16 << 20 + 64 << 10,
        maximumRequestsInFlight: Int = 4096
    ) {
        self.maximumKeyLength = min(max(maximumKeyLength, 0), Int(UInt16.max))
        self.maximumPayloadLength = min(max(maximumPayloadLength, 0), Int(UInt32.max))
        self.maximumRequestsInFlight = max(maximumRequestsInFlight, 1)
    }

    /// The defaults described on each property.
    public static let `default` = WireLimits()
}
