import FunctionPlatform
import InfiniCacheReplay
import InfiniCacheStatistics
import InfiniCacheTraces
import LocalFunctionPlatform
import NIOCore
import Testing

@Suite("Trace replay")
struct TraceReplayTests {
    private func trace(_ text: String) throws -> Trace {
        try TraceReader(strict: true).read(ByteBuffer(string: text))
    }

    /// Three functions, 2 + 1, no warm-up, backup or reclaims, full scale: every figure
    /// can be worked out by hand.
    private static let handConfiguration = ReplayConfiguration(
        functionCount: 3,
        dataChunkCount: 2,
        parityChunkCount: 1,
        warmUpInterval: nil,
        backupInterval: nil,
        scale: 1,
        billingGranularities: [.milliseconds(100), .milliseconds(1)],
        reclaimPolicy: ReclaimPolicy(maximumIdleLifetime: nil)
    )

    @Test("a tiny trace's hits, misses, bill and modelled latencies, worked out by hand")
    func byHand() async throws {
        let trace = try self.trace(
            """
            0,a,10000000
            10,a,10000000
            20,b,10000000
            """
        )
        let report = try await TraceReplay(configuration: Self.handConfiguration).run(trace)
        #expect(report.hours == 1)
        #expect(report.requests == 3 && report.distinctObjects == 2 && report.distinctBytes == 20_000_000)
        #expect(report.lru.outcomes == [.firstAccess, .hit, .firstAccess])
        // Each of the 9 invocations (3 for each PUT, 3 for the GET: first-d asks all three,
        // and the straggler still serves) moves one 5 MB chunk: 50 ms at 800 Mbit/s.
        for (granularity, billedSeconds) in [(Duration.milliseconds(100), 0.1), (.milliseconds(1), 0.05)] {
            let run = try #require(report.run(backup: false, billingGranularity: granularity))
            #expect(run.statistics.outcomes == [.firstAccess, .hit, .firstAccess])
            #expect(run.statistics.hitRatio == 1.0 / 3)
            #expect(run.statistics.byteHitRatio == 1.0 / 3)
            #expect(run.bill.invocations == 9)
            #expect(abs(run.bill.gigabyteSeconds - 9 * billedSeconds * 1.5) < 1e-9)
            #expect(abs(run.bill.total - (9 * 0.2e-6 + 9 * billedSeconds * 1.5 * 0.0000166667)) < 1e-12)
            // The hit: no function was running (they returned at their billing boundary),
            // so 13 ms of invocation plus 5 MB over one link.
            #expect(run.hitLatencies.count == 1 && abs(run.hitLatencies[0] - 0.063) < 1e-9)
            // A miss: 100 ms to the first byte, then 10 MB at 720 Mbit/s.
            #expect(run.missLatencies.allSatisfy { abs($0 - (0.1 + 10e6 * 8 / 720e6)) < 1e-9 })
        }
        #expect(report.alwaysOnCost == 10.368)
        // ElastiCache Serverless: 10 MB stored for the hour and 10 MB for all but 20 s of
        // it; one ECPU per KiB stored or read (9,766 each, three times).
        let storedGigabyteHours = (10e6 * 3600 + 10e6 * 3580) / 1e9 / 3600
        #expect(abs(report.serverlessCost - (storedGigabyteHours * 0.125 + 3 * 9766 / 1e6 * 0.0034)) < 1e-12)
        #expect(report.serverlessCumulativeCost.count == 1)
    }

    @Test("requests fall in the hour they are made; costs accumulate hour by hour; a request at exactly 3600 s opens the second hour")
    func hours() async throws {
        let trace = try self.trace(
            """
            0,a,10000000
            3599.999,a,10000000
            3600,b,10000000
            7300,a,10000000
            """
        )
        let report = try await TraceReplay(configuration: Self.handConfiguration).run(trace)
        #expect(report.hours == 3)
        for statistics in [report.lru] + report.runs.map(\.statistics) {
            #expect(statistics.hours.map(\.gets) == [2, 1, 1])
            #expect(statistics.hours.map(\.hits) == [1, 0, 1])
        }
        for run in report.runs {
            let costs = run.statistics.hours.map(\.cumulativeCost)
            #expect(costs.count == 3 && zip(costs, costs.dropFirst()).allSatisfy { $0 < $1 } && costs.last == run.bill.total)
        }
        #expect(report.alwaysOnCost == 3 * 10.368)
        // a is stored all three hours, b from the start of the second; ECPUs for a's store
        // and its hit in the first hour, b's store in the second, a's hit in the third.
        let perGigabyteHour = 0.125 / 1e9
        let perECPU = 0.0034 / 1e6
        let hourly = [
            10e6 * perGigabyteHour + 2 * 9766 * perECPU,
            20e6 * perGigabyteHour + 9766 * perECPU,
            20e6 * perGigabyteHour + 9766 * perECPU,
        ]
        for hour in hourly.indices {
            #expect(abs(report.serverlessCumulativeCost[hour] - hourly[...hour].reduce(0, +)) < 1e-12)
        }
        #expect(abs(report.serverlessCost - hourly.reduce(0, +)) < 1e-12)
        await #expect(throws: ReplayError.self) { try await TraceReplay(configuration: Self.handConfiguration).run(trace, hours: 0) }
        await #expect(throws: ReplayError.self) { try await TraceReplay(configuration: Self.handConfiguration).run(trace, hours: TraceReplay.maximumHours + 1) }
    }

    @Test("an object the cache cannot hold is a miss every time, without being written")
    func uncacheable() async throws {
        // 3 functions of 16 MiB hold at most 48 MiB of coded bytes: a 40 MB object codes
        // to 60 MB.
        var configuration = Self.handConfiguration
        configuration.memoryMiB = 16
        let trace = try self.trace("0,big,40000000\n10,big,40000000\n20,small,1000000\n30,small,1000000\n")
        let report = try await TraceReplay(configuration: configuration).run(trace)
        for run in report.runs {
            #expect(run.statistics.outcomes == [.firstAccess, .capacityMiss, .firstAccess, .hit])
        }
    }

    /// Twelve functions of 96 MiB, a hazard high enough to lose objects, a workload that
    /// evicts: sizes are multiples of 20,480 bytes, so that both scales divide every
    /// chunk exactly.
    private static func churn(scale: Int, seed: UInt64 = 3) -> ReplayConfiguration {
        ReplayConfiguration(
            functionCount: 12,
            memoryMiB: 96,
            scale: scale,
            billingGranularities: [.milliseconds(100)],
            reclaimPolicy: ReclaimPolicy(maximumIdleLifetime: nil, hazardPerHour: 12, seed: seed)
        )
    }

    private static let churnTrace: Trace = {
        var random: UInt64 = 99
        func next(_ bound: Int) -> Int {
            random = random &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int((random >> 33) % UInt64(bound))
        }
        let sizes = (0..<30).map { 20_480 * (500 + 250 * (($0 * 7) % 19)) }
        let requests = (0..<120).map { index in
            let key = min(next(30), next(30))
            return TraceRequest(time: .seconds(30 * index), key: "object-\(key)", size: sizes[key])
        }
        return Trace(requests: requests)
    }()

    @Test("two scale factors give the same hits, misses and bill")
    func scaleInvariance() async throws {
        let coarse = try await TraceReplay(configuration: Self.churn(scale: 2048)).run(Self.churnTrace)
        let fine = try await TraceReplay(configuration: Self.churn(scale: 1024)).run(Self.churnTrace)
        for (one, other) in zip(coarse.runs, fine.runs) {
            #expect(one.statistics.outcomes == other.statistics.outcomes)
            #expect(abs(one.bill.total - other.bill.total) <= 1e-9 * one.bill.total)
            #expect(one.counters.bytesSynced == other.counters.bytesSynced)
            #expect(one.reclaims == other.reclaims)
        }
        let outcomes = coarse.runs.flatMap(\.statistics.outcomes)
        #expect(outcomes.contains(.hit) && outcomes.contains(.capacityMiss) && outcomes.contains(.lostMiss), "the trace exercises eviction and loss")
    }

    @Test("the same seed gives the same figures; another seed, other reclaims")
    func determinism() async throws {
        let first = try await TraceReplay(configuration: Self.churn(scale: 2048)).run(Self.churnTrace)
        let again = try await TraceReplay(configuration: Self.churn(scale: 2048)).run(Self.churnTrace)
        /// The counters, but `chunksLost`: an estimate from mapping counts read while other
        /// functions' answers arrive (LifecycleCounters says so).
        func counters(_ run: ServerlessRun) -> LifecycleCounters {
            var counters = run.counters
            counters.chunksLost = 0
            return counters
        }
        #expect((first.runs + again.runs).allSatisfy { $0.settleTimeouts == 0 })
        for (one, other) in zip(first.runs, again.runs) {
            #expect(one.statistics == other.statistics)
            #expect(one.bill == other.bill)
            #expect(counters(one) == counters(other))
            #expect(one.reclaims == other.reclaims)
        }
        let reseeded = try await TraceReplay(configuration: Self.churn(scale: 2048, seed: 4)).run(Self.churnTrace)
        #expect(reseeded.runs.map(\.reclaims) != first.runs.map(\.reclaims) || reseeded.runs.map(\.statistics) != first.runs.map(\.statistics))
    }

    @Test("settings out of range are typed errors")
    func invalidConfiguration() {
        let bad = [
            ReplayConfiguration(functionCount: 5),
            ReplayConfiguration(scale: 0),
            ReplayConfiguration(scale: 4096),
            ReplayConfiguration(billingGranularities: []),
            ReplayConfiguration(warmUpInterval: .zero),
            ReplayConfiguration(dataChunkCount: 0),
        ]
        for configuration in bad {
            #expect(throws: ReplayError.self) { try TraceReplay(configuration: configuration) }
        }
    }
}
