import ArgumentParser
import Foundation
import FunctionPlatform
import InfiniCacheClient
import InfiniCacheReplay
import InfiniCacheStatistics
import InfiniCacheTraces
import LocalFunctionPlatform

/// The options of the `trace` suite.
struct TraceOptions: ParsableArguments {
    @Option(help: "Trace to replay: a registry trace CSV or seconds,key,size[,op] rows, gzip or not (default: the bundled 50-hour registry trace).")
    var trace: String?

    @Option(help: "Hours of the trace to replay (default: all of it; 2 with --quick).")
    var hours: Int?

    @Option(help: "Cache functions.")
    var functions = 400

    @Option(help: "Memory per function, MiB.")
    var memoryMib = 1536

    @Option(help: "Every size and capacity is divided by this to fit this machine; figures are reported at full scale.")
    var scale = 1024

    @Option(help: "Seed of the provider's reclaims.")
    var seed: UInt64 = 1

    @Option(help: "Chance per hour that the provider reclaims an idle instance, as a rate (0.1335 leaves about the paper's 81.4% of 10+2 objects readable after an hour without backup).")
    var hazardPerHour = 0.1335

    @Option(help: "Minutes after which an idle instance is reclaimed (AWS today: about 10); 0 keeps idle instances.")
    var idleLifetimeMinutes = 10

    @Option(help: "Per-function network rate of the time model, Mbit/s.")
    var functionMbps = 800.0

    @Option(help: "Write an SVG of cumulative cost and hourly hit ratio to this file.")
    var plot: String?
}

/// `trace`: replays a registry trace on the serverless cache at the paper's scale (400
/// functions of 1.5 GB, 10 + 2, warm-up every minute, backup every 5 minutes) on
/// simulated time, beside an LRU cache of the same memory and what ElastiCache would bill.
struct TraceSuite {
    let settings: BenchSettings
    let options: TraceOptions

    func run() async throws -> [BenchRow] {
        guard self.options.hazardPerHour >= 0, self.options.idleLifetimeMinutes >= 0 else {
            throw ValidationError("--hazard-per-hour and --idle-lifetime-minutes must not be negative")
        }
        let path = self.options.trace ?? Bundle.module.path(forResource: "dal09_10mb_50h.csv", ofType: "gz")
        guard let path else {
            throw ValidationError("the bundled trace is missing from the bench's resources; pass --trace PATH")
        }
        let trace = try TraceReader().read(contentsOf: path)
        if trace.malformedRowCount > 0 {
            progress("trace: skipped \(trace.malformedRowCount) malformed rows, the first at row \(trace.malformedRows.first?.row ?? 0): \(trace.malformedRows.first?.reason ?? "")")
        }
        let configuration = ReplayConfiguration(
            functionCount: self.options.functions,
            memoryMiB: self.options.memoryMib,
            scale: self.options.scale,
            reclaimPolicy: ReclaimPolicy(
                maximumIdleLifetime: self.options.idleLifetimeMinutes > 0 ? .seconds(60 * self.options.idleLifetimeMinutes) : nil,
                hazardPerHour: self.options.hazardPerHour,
                seed: self.options.seed
            ),
            timeModel: TimeModel(functionBitsPerSecond: self.options.functionMbps * 1e6)
        )
        let replay = try TraceReplay(configuration: configuration)
        let hours = self.options.hours ?? (self.settings.quick ? 2 : nil)
        progress("trace: \(trace.requests.count) requests from \(path), \(configuration.functionCount) functions of \(configuration.memoryMiB) MiB at scale 1/\(configuration.scale)")
        let runs = 2 * configuration.billingGranularities.count
        let replayedHours = hours ?? trace.hours
        let bar = ProgressBar(label: "trace: \(runs) runs of \(replayedHours) h", total: Double(runs * replayedHours))
        let report = try await replay.run(trace, hours: hours) { step in
            bar.update(step.run, done: step.hoursReplayed)
        }
        bar.finish()
        if let plot = self.options.plot {
            try ReplayPlot.svg(report).write(toFile: plot, atomically: true, encoding: .utf8)
            progress("trace: plot written to \(plot)")
        }
        return try Self.storageRows(trace) + Self.rows(report, peakMemory: ProcessMemory.peakResidentBytes())
    }

    /// What holding every distinct object of `trace` costs the nodes under the client's
    /// default coding by size (replicas up to 64 KiB, 10 + 2 above), against 10 + 2 for
    /// every object as the paper codes them; and the share of objects and bytes replicated.
    static func storageRows(_ trace: Trace) throws -> [BenchRow] {
        let bySize = ClientConfiguration()
        let footprint = try StorageFootprint(trace: trace, configuration: bySize)
        let paper = try StorageFootprint(trace: trace, configuration: ClientConfiguration(replicationThreshold: 0))
        let variant = "coding-by-size-\(bySize.replicationThreshold >> 10)KiB"
        func row(_ metric: String, _ unit: String, _ value: Double) -> BenchRow {
            BenchRow(suite: "trace", op: "storage", metric: metric, unit: unit, value: value, k: bySize.dataChunkCount, r: bySize.parityChunkCount, variant: variant)
        }
        return [
            row("storage_overhead", "ratio", footprint.overhead).comparedTo(paper.overhead, named: "erasure-coded-\(bySize.dataChunkCount)+\(bySize.parityChunkCount)"),
            row("replicated_objects", "fraction", footprint.objects > 0 ? Double(footprint.replicatedObjects) / Double(footprint.objects) : 0),
            row("replicated_bytes", "fraction", footprint.objectBytes > 0 ? Double(footprint.replicatedObjectBytes) / Double(footprint.objectBytes) : 0),
        ]
    }

    static func rows(_ report: ReplayReport, peakMemory: Int?) -> [BenchRow] {
        let configuration = report.configuration
        let scope = "\(report.hours)h-\(configuration.functionCount)x\(configuration.memoryMiB)MiB"
        func row(_ op: String, _ metric: String, _ unit: String, _ value: Double, _ variant: String) -> BenchRow {
            BenchRow(suite: "trace", op: op, metric: metric, unit: unit, value: value, k: configuration.dataChunkCount, r: configuration.parityChunkCount, variant: "\(variant)-\(scope)")
        }
        var rows: [BenchRow] = []
        let lru = report.lru
        rows.append(row("get", "hit_ratio", "fraction", lru.hitRatio, "lru"))
        rows.append(row("get", "byte_hit_ratio", "fraction", lru.byteHitRatio, "lru"))
        for (cause, count) in [("first_access", lru.firstAccessMisses), ("capacity", lru.capacityMisses), ("lost", lru.lostMisses)] {
            rows.append(row("miss", cause, "count", Double(count), "lru"))
        }
        rows.append(row("cost", "bill", "USD", report.alwaysOnCost, "elasticache-r5.24xlarge"))
        rows.append(row("cost", "bill", "USD", report.serverlessCost, "elasticache-serverless"))
        for run in report.runs {
            let statistics = run.statistics
            let variant = run.variant
            rows.append(row("get", "hit_ratio", "fraction", statistics.hitRatio, variant).comparedTo(lru.hitRatio, named: "lru-same-memory"))
            rows.append(row("get", "byte_hit_ratio", "fraction", statistics.byteHitRatio, variant).comparedTo(lru.byteHitRatio, named: "lru-same-memory"))
            for (cause, count) in [("first_access", statistics.firstAccessMisses), ("capacity", statistics.capacityMisses), ("lost", statistics.lostMisses)] {
                rows.append(row("miss", cause, "count", Double(count), variant))
            }
            rows.append(row("cost", "bill", "USD", run.bill.total, variant).comparedTo(report.alwaysOnCost, named: "elasticache-r5.24xlarge"))
            rows.append(row("cost", "bill", "USD", run.bill.total, variant).comparedTo(report.serverlessCost, named: "elasticache-serverless"))
            rows.append(row("availability", "mean_hourly_availability", "fraction", statistics.meanHourlyAvailability, variant))
            rows.append(row("availability", "worst_hourly_availability", "fraction", statistics.worstHourlyAvailability, variant))
            for (metric, value) in [
                ("invocations", run.counters.invocations), ("cold_starts", run.counters.coldStarts), ("reclaims", run.reclaims),
                ("failovers", run.counters.failovers),
            ] {
                rows.append(row("lifecycle", metric, "count", Double(value), variant))
            }
            rows.append(row("lifecycle", "bytes_synced", "bytes", Double(run.counters.bytesSynced), variant))
            rows.append(row("lifecycle", "gigabyte_seconds", "GB-s", run.bill.gigabyteSeconds, variant))
            rows.append(row("replay", "settle_timeouts", "count", Double(run.settleTimeouts), variant))
            if run.settleTimeouts > 0 {
                progress("trace: \(variant) moved its clock \(run.settleTimeouts) times with requests outstanding: the machine was too loaded for the run to repeat exactly")
            }
            for (op, latencies) in [("get_hit", run.hitLatencies), ("get_miss", run.missLatencies)] where !latencies.isEmpty {
                for (metric, quantile) in [("p50_latency", 0.5), ("p99_latency", 0.99)] {
                    // Nearest rank: the smallest value at or above the quantile.
                    let rank = max(Int((Double(latencies.count) * quantile).rounded(.up)), 1)
                    rows.append(row(op, metric, "ms", 1000 * latencies[rank - 1], "modelled-\(variant)"))
                }
            }
        }
        rows.append(row("replay", "wall_time", "s", report.wallTime.seconds, "all-runs"))
        if let peakMemory {
            rows.append(row("replay", "peak_memory", "bytes", Double(peakMemory), "all-runs"))
        }
        return rows
    }
}

