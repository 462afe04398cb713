import Foundation
import FunctionPlatform
@testable import infinicache
import InfiniCacheStatistics
import Testing

@Suite("infinicache stats as a table")
struct StatisticsTableTests {
    @Test("the table shows the cache, the counters, the lifecycle and the bill, and a row per node")
    func table() throws {
        var counters = ProxyCounters()
        counters.hits = 3
        counters.misses = 1
        counters.tierHits = 2
        counters.expirations = 2
        var events = LifecycleCounters()
        events.invocations = 40
        events.coldStarts = 12
        let bill = try JSONDecoder().decode(
            Bill.self,
            from: Data(#"{"invocations": 40, "gigabyteSeconds": 61.5, "invocationCost": 0.000008, "durationCost": 0.001025, "alwaysOnCost": 0, "period": 120}"#.utf8)
        )
        let statistics = ProxyStatistics(
            objects: 2, bytes: 3 << 20, codedBytes: 4 << 20, expiringObjects: 1, tierObjects: 1, tierBytes: 2048, counters: counters,
            nodes: [.init(id: 0, functionID: "function-0", capacity: 1 << 30, used: 1 << 29), .init(id: 11, functionID: "function-11", capacity: 1 << 30, used: 0)],
            lifecycle: LifecycleReport(counters: events, bill: bill)
        )
        let lines = StatisticsTable.render(statistics).split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        #expect(lines.contains("  objects        2 (1 with an expiry)"))
        #expect(lines.contains("  bytes          3.0 MiB, 4.0 MiB coded"))
        #expect(lines.contains("  node memory    512.0 MiB of 2.0 GiB used (25.0%)"))
        #expect(lines.contains("  proxy tier     1 small objects, 2.0 KiB"))
        #expect(lines.contains("  reads          4: 3 hits (2 from the proxy tier), 1 misses (hit ratio 75.0%)"))
        #expect(lines.contains("  expirations    2"))
        #expect(lines.contains("  invocations    40 (12 cold starts)"))
        #expect(lines.contains("  bill           $0.001033: 61.5 GB-s and 40 invocations over 120 s"))
        #expect(lines.suffix(3) == [
            "  id  function     capacity       used    use",
            "   0  function-0    1.0 GiB  512.0 MiB  50.0%",
            "  11  function-11   1.0 GiB        0 B   0.0%",
        ])
    }

    @Test("an empty cache without a lifecycle has no ratios to divide by zero")
    func empty() {
        let text = StatisticsTable.render(ProxyStatistics(objects: 0, bytes: 0, codedBytes: 0, counters: ProxyCounters(), nodes: []))
        #expect(text.contains("hit ratio -"))
        #expect(!text.contains("Serverless"))
        #expect(text.hasSuffix("Nodes (0)"))
    }
}
