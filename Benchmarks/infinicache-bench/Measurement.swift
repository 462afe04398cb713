import FunctionPlatform

/// How long and how often each measurement runs.
struct BenchSettings {
    /// Timed repetitions per figure; the median is reported.
    var repetitions: Int
    /// Each repetition repeats the operation until it has run about this long.
    var repetitionTime: Duration
    var quick: Bool

    init(quick: Bool) {
        self.quick = quick
        self.repetitions = quick ? 5 : 15
        self.repetitionTime = quick ? .milliseconds(4) : .milliseconds(30)
    }
}

extension BenchSettings {
    /// Measures `contenders` repetition by repetition, rotating which goes first, so that
    /// drift of the machine hits all alike; returns each one's median operations per second,
    /// after one warm-up call of each.
    func interleaved(_ contenders: [() throws -> Void]) throws -> [Double] {
        for contender in contenders { try contender() }
        guard let first = contenders.first else { return [] }
        let calls = try self.callsPerRepetition(first)
        var rates = contenders.map { _ in [Double]() }
        for repetition in 0..<self.repetitions {
            for offset in contenders.indices {
                let index = (repetition + offset) % contenders.count
                rates[index].append(try rate(calls: calls, contenders[index]))
            }
        }
        return rates.map(median)
    }

    /// Calls needed for one repetition to last about ``repetitionTime``.
    private func callsPerRepetition(_ operation: () throws -> Void) rethrows -> Int {
        let once = try ContinuousClock().measure(operation)
        guard once > .zero else { return 1_000 }
        return max(1, Int((self.repetitionTime / once).rounded(.up)))
    }
}

/// Seconds that `workers` tasks take to run `operation` `perWorker` times each, all at
/// once; `operation` gets the worker's number and how many it has run before.
func concurrently(workers: Int, perWorker: Int, _ operation: @escaping @Sendable (_ worker: Int, _ index: Int) async throws -> Void) async throws -> Double {
    try await ContinuousClock().measure {
        try await withThrowingTaskGroup(of: Void.self) { group in
            for worker in 0..<workers {
                group.addTask {
                    for index in 0..<perWorker {
                        try await operation(worker, index)
                    }
                }
            }
            try await group.waitForAll()
        }
    }.seconds
}

/// Operations per second over `calls` back-to-back calls.
func rate(calls: Int, _ operation: () throws -> Void) rethrows -> Double {
    let elapsed = try ContinuousClock().measure {
        for _ in 0..<calls { try operation() }
    }
    return Double(calls) / elapsed.seconds
}

func median(_ values: [Double]) -> Double {
    let sorted = values.sorted()
    guard !sorted.isEmpty else { return 0 }
    let middle = sorted.count / 2
    return sorted.count.isMultiple(of: 2) ? (sorted[middle - 1] + sorted[middle]) / 2 : sorted[middle]
}

/// Consumes a result so that the optimiser cannot drop the work that made it.
@inline(never)
func blackHole<T>(_ value: T) {
    withExtendedLifetime(value) {}
}
