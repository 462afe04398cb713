import FunctionPlatform
import Histogram

/// Per-operation latencies (HdrHistogram, microseconds).
struct Timings {
    private var histogram = Histogram<UInt64>(highestTrackableValue: 120_000_000, numberOfSignificantValueDigits: .three)

    mutating func measure(_ count: Int, _ operation: (Int) async throws -> Void) async throws {
        let clock = ContinuousClock()
        for index in 0..<count {
            let took = try await clock.measure { try await operation(index) }
            self.histogram.record(UInt64(max(took.seconds * 1e6, 1)))
        }
    }

    /// The latency at `percentile`, in milliseconds.
    func percentile(_ percentile: Double) -> Double {
        Double(self.histogram.valueAtPercentile(percentile)) / 1000
    }

    /// The e2e suite's p50 and p99 rows of `op` on objects of `size` bytes coded k + r,
    /// against the same figures of the baseline `name`.
    func latencyRows(op: String, size: Int, k: Int, r: Int, against baseline: Timings, named name: String, variant: String? = nil) -> [BenchRow] {
        func row(_ metric: String, _ value: Double, _ baselineValue: Double) -> BenchRow {
            BenchRow(suite: "e2e", op: op, metric: metric, unit: "ms", value: value, k: k, r: r, size: size, threads: 1, variant: variant)
                .comparedTo(baselineValue, named: name)
        }
        return [
            row("p50_latency", self.percentile(50), baseline.percentile(50)),
            row("p99_latency", self.percentile(99), baseline.percentile(99)),
        ]
    }
}
