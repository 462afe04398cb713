import Foundation
import InfiniCacheReplay
import InfiniCacheTraces

// A workload of your own: `seconds,key,size[,op]` rows, gzip-compressed or not.
let rows = (0..<200).map { "\($0 * 15),object-\($0 % 40),\(20_000_000 + $0 % 40 * 1_000_000)" }
let path = FileManager.default.temporaryDirectory.appendingPathComponent("my-trace.csv").path
try rows.joined(separator: "\n").write(toFile: path, atomically: true, encoding: .utf8)
let trace = try TraceReader().read(contentsOf: path)

// 24 functions of 1.5 GB, 10 + 2, warm-up every minute, backup every 5 minutes, the
// provider reclaiming as calibrated to the paper; with backup and without, billed per
// 100 ms and per 1 ms, beside an LRU cache of the same memory.
let replay = try TraceReplay(configuration: ReplayConfiguration(functionCount: 24))
let report = try await replay.run(trace)

for run in report.runs {
    print(run.variant, "hit ratio", run.statistics.hitRatio, "bill $", run.bill.total)
}
print("LRU of the same memory: hit ratio", report.lru.hitRatio, "; r5.24xlarge: $", report.alwaysOnCost)
precondition(report.runs.allSatisfy { $0.statistics.gets == 200 } && report.lru.hits == 160)
