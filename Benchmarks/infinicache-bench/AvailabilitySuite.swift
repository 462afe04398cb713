import FunctionPlatform
import InfiniCacheClient
import InfiniCacheTesting
import InfiniCacheLifecycle
import InfiniCacheStatistics
import LocalFunctionPlatform
import Logging
import NIOCore

/// `availability`: time-compressed hours of a serverless cache whose function instances
/// the provider reclaims at random, with delta-sync backup and without, side by side: the
/// fraction of the objects written at the start of an hour that are still readable at its
/// end, and the bill beside an always-on cache of the paper's size.
struct AvailabilitySuite {
    static let functionCount = 50
    static let objectSize = 1 << 20
    /// Chance per hour that an idle instance is reclaimed. About 12.5% of functions lose
    /// their instance in an hour then; an object whose 12 chunks lose 3 is gone, which
    /// without backup leaves roughly the paper's 81.4% of objects readable.
    static let hazardPerHour = 0.1335

    let settings: BenchSettings

    /// Each simulated hour has its own reclaim draws (seeds 1, 2, …).
    private var hours: Int { self.settings.quick ? 1 : 8 }
    private var period: Duration { self.settings.quick ? .seconds(600) : .seconds(3600) }
    private var objectCount: Int { self.settings.quick ? 24 : 120 }

    func run() async throws -> [BenchRow] {
        var withBackup: [Outcome] = []
        var without: [Outcome] = []
        for seed in 1...self.hours {
            withBackup.append(try await self.simulate(backup: true, seed: UInt64(seed)))
            without.append(try await self.simulate(backup: false, seed: UInt64(seed)))
        }
        let variant = "\(self.hours)x\(Int(self.period.seconds / 60))min-hazard-\(Self.hazardPerHour)/h"
        func row(_ op: String, _ metric: String, _ unit: String, _ value: Double, variant: String) -> BenchRow {
            BenchRow(suite: "availability", op: op, metric: metric, unit: unit, value: value, k: 10, r: 2, size: Self.objectSize, variant: variant)
        }
        var rows = [
            row("get", "readable_fraction", "%", Outcome.mean(withBackup), variant: "backup-" + variant)
                .comparedTo(Outcome.mean(without), named: "no-backup"),
            row("get", "worst_hour_readable_fraction", "%", withBackup.map(\.readablePercent).min() ?? 0, variant: "backup-" + variant)
                .comparedTo(without.map(\.readablePercent).min() ?? 0, named: "no-backup"),
        ]
        let simulatedHours = Double(self.hours) * self.period.seconds / 3600
        for (name, outcomes) in [("backup", withBackup), ("no-backup", without)] {
            let bill = outcomes.reduce(0) { $0 + $1.report.bill.total }
            let alwaysOn = outcomes.reduce(0) { $0 + $1.report.bill.alwaysOnCost }
            rows.append(
                row("cost", "bill", "USD/h", bill / simulatedHours, variant: name + "-" + variant)
                    .comparedTo(alwaysOn / simulatedHours, named: "always-on-r5.24xlarge")
            )
            let counters = outcomes.map(\.report.counters)
            for (metric, value) in [
                ("invocations", \LifecycleCounters.invocations), ("cold_starts", \.coldStarts), ("reclaims_seen", \.reclaimsSeen),
                ("failovers", \.failovers), ("chunks_lost", \.chunksLost), ("bytes_synced", \.bytesSynced),
            ] {
                let total = counters.reduce(0) { $0 + $1[keyPath: value] }
                rows.append(row("lifecycle", metric, metric == "bytes_synced" ? "bytes" : "count", Double(total), variant: name + "-" + variant))
            }
        }
        return rows
    }

    private struct Outcome {
        var readablePercent: Double
        var report: LifecycleReport

        static func mean(_ outcomes: [Outcome]) -> Double {
            outcomes.reduce(0) { $0 + $1.readablePercent } / Double(max(outcomes.count, 1))
        }
    }

    /// Writes the objects, runs the simulated period with a GET of one object and a PUT of
    /// another every 10 simulated seconds, then reads every object back.
    private func simulate(backup: Bool, seed: UInt64) async throws -> Outcome {
        progress("availability: hour \(seed) \(backup ? "with" : "without") backup, \(Self.functionCount) functions")
        let cluster = try ServerlessCluster(
            functionCount: Self.functionCount,
            platform: LocalFunctionPlatform.Configuration(
                nodeCapacity: 256 << 20,
                billingGranularity: .milliseconds(1),
                reclaimPolicy: ReclaimPolicy(hazardPerHour: Self.hazardPerHour, seed: seed)
            ),
            lifecycle: FunctionLifecycle.Configuration(backupInterval: backup ? .seconds(300) : nil),
            logger: Logger(label: "infinicache.bench.availability", factory: { _ in SwiftLogNoOpLogHandler() })
        )
        let base = pseudoRandomBytes(count: Self.objectSize)
        func value(_ index: Int) -> ByteBuffer {
            var bytes = ByteBuffer(bytes: base)
            bytes.setInteger(UInt64(index), at: 0)
            return bytes
        }
        for index in 0..<self.objectCount {
            try await cluster.client.put("object-\(index)", value(index))
        }
        var elapsed = Duration.zero
        var step = 0
        while elapsed < self.period {
            await cluster.advance(by: .seconds(10))
            elapsed += .seconds(10)
            // A prime stride visits the objects in a scattered order.
            _ = try? await cluster.client.get("object-\(step * 7919 % self.objectCount)")
            try await cluster.client.put("churn-\(step % 16)", value(self.objectCount + step))
            step += 1
        }
        var readable = 0
        for index in 0..<self.objectCount {
            if let read = try? await cluster.client.get("object-\(index)"), read == value(index) {
                readable += 1
            }
        }
        let report = cluster.lifecycle.report()
        await cluster.stop()
        return Outcome(readablePercent: 100 * Double(readable) / Double(self.objectCount), report: report)
    }
}
