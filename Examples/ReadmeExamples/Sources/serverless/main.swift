import InfiniCacheTesting
import NIOCore

// 12 functions on a simulated clock, warm-up every minute and backup every 5 minutes.
let cluster = try ServerlessCluster(functionCount: 12)
let clip = ByteBuffer(bytes: Array(repeating: 7, count: 1 << 20))
try await cluster.client.put("clip", clip)
await cluster.advance(by: .seconds(6 * 60))          // warm-ups at 1…6 min, a backup at 5 min
await cluster.reclaimEveryPrimary()                 // the provider takes every primary
let copy = try await cluster.client.get("clip")    // served by the backups
precondition(copy == clip)
let report = try await cluster.client.statistics().lifecycle!   // failovers, chunks lost, the bill
print(report.counters.failovers, report.counters.chunksLost, report.bill.total, report.bill.alwaysOnCost)
precondition(report.counters.chunksLost == 0 && report.bill.total < report.bill.alwaysOnCost)
await cluster.stop()
