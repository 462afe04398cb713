

/// What a stretch of serverless caching cost, and what an always-on cache would have.
public struct Bill: Sendable, Hashable, Codable {
    /// Invocations billed.
    public var invocations: Int
    /// GB-seconds billed.
    public var gigabyteSeconds: Double
    /// Dollars for the invocations.
    public var invocationCost: Double
    /// Dollars for the billed duration.
    public var durationCost: Double
    /// Dollars the always-on cache costs over the same period.
    public var alwaysOnCost: Double
    /// The period, in seconds.
    public var period: Double

    /// Dollars in all.
    public var total: Double { self.invocationCost + self.durationCost }
}
