/// Turns a platform's metering into dollars, beside what an always-on cache of the same
/// memory would cost.
public struct CostMeter: Sendable, Hashable, Codable {
    /// Dollars per invocation (Lambda: $0.20 per million).
    public var pricePerInvocation: Double
    /// Dollars per GB-second of billed duration (Lambda: $0.0000166667).
    public var pricePerGigabyteSecond: Double
    /// Dollars per hour of the always-on cache compared against (the paper's ElastiCache
    /// cache.r5.24xlarge: $10.368).
    public var alwaysOnPricePerHour: Double

    /// Creates a meter; the defaults are the prices the paper uses.
    public init(pricePerInvocation: Double = 0.20 / 1_000_000, pricePerGigabyteSecond: Double = 0.0000166667, alwaysOnPricePerHour: Double = 10.368) {
        self.pricePerInvocation = pricePerInvocation
        self.pricePerGigabyteSecond = pricePerGigabyteSecond
        self.alwaysOnPricePerHour = alwaysOnPricePerHour
    }

    /// The bill for `usage`, over `period` of wall time.
    public func bill(for usage: [FunctionUsage], over period: Duration) -> Bill {
        let invocations = usage.reduce(0) { $0 + $1.invocations }
        let gigabyteSeconds = usage.reduce(0) { $0 + $1.gigabyteSeconds }
        return Bill(
            invocations: invocations,
            gigabyteSeconds: gigabyteSeconds,
            invocationCost: Double(invocations) * self.pricePerInvocation,
            durationCost: gigabyteSeconds * self.pricePerGigabyteSecond,
            alwaysOnCost: period.seconds / 3600 * self.alwaysOnPricePerHour,
            period: period.seconds
        )
    }
}
