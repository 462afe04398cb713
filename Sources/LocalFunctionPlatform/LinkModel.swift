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

    /// Creates a model; `bitsPerSecond` must be positive (a non-positive rate is taken as
    /// 1 bit per second rather than an infinite time).
    public init(bitsPerSecond: Double = 800e6, byteScale: Double = 1) {
        self.bitsPerSecond = max(bitsPerSecond, 1)
        self.byteScale = max(byteScale, 0)
    }

    /// The time `bytes` take over the link.
    public func transferTime(bytes: Int) -> Duration {
        .seconds(Double(max(bytes, 0)) * self.byteScale * 8 / self.bitsPerSecond)
    }
}
