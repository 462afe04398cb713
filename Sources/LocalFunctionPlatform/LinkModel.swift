/// The network link of each function instance, as a time model: moving `n` payload bytes
/// keeps an instance busy (and billed) for `n × byteScale × 8 / bitsPerSecond` seconds,
/// one request after another. For simulations, whose clock does not see the time real
/// transfers take; the local platform on real time needs none.
public struct LinkModel: Sendable, Hashable {
    /// The link's rate, in bits per second. The default, 800 Mbit/s, is within what one
    /// Lambda function was measured to move (about 0.5 Gbit/s on average, more alone on a
    /// host; DESIGN.md, "Facts").
    public var bitsPerSecond: Double
    /// How many bytes each byte moved stands for: a simulation that divides every size by
    /// a scale factor sets it to that factor, so that times are those of full scale.
    public var byteScale: Double

    /// Creates a model. A rate below 1 bit per second (or not a number) is taken as 1 bit
    /// per second, and a scale below 0 (or not finite) as 0, rather than an infinite or
    /// undefined time.
    public init(bitsPerSecond: Double = 800e6, byteScale: Double = 1) {
        self.bitsPerSecond = bitsPerSecond >= 1 ? bitsPerSecond : 1
        self.byteScale = byteScale.isFinite && byteScale > 0 ? byteScale : 0
    }

    /// The longest transfer time the model gives: a century, past any simulation.
    static let longestTransfer = 100 * 365 * 86_400.0

    /// The time `bytes` take over the link.
    public func transferTime(bytes: Int) -> Duration {
        .seconds(min(Double(max(bytes, 0)) * self.byteScale * 8 / self.bitsPerSecond, Self.longestTransfer))
    }
}
