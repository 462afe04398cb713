public import FunctionPlatform

/// The lifecycle part of the proxy's statistics: its counters and the bill so far.
public struct LifecycleReport: Codable, Sendable, Hashable {
    public var counters: LifecycleCounters
    /// The platform's bill since the proxy started, beside the always-on comparison.
    public var bill: Bill

    /// Creates a report.
    public init(counters: LifecycleCounters, bill: Bill) {
        self.counters = counters
        self.bill = bill
    }
}
