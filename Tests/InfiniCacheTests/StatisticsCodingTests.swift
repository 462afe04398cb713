import Foundation
import InfiniCacheStatistics
import Testing

@Suite("Statistics reports as JSON")
struct StatisticsCodingTests {
    @Test("a report round-trips, and one from an older proxy without the newer figures reads them as 0")
    func compatibility() throws {
        var counters = ProxyCounters()
        counters.hits = 5
        counters.tierHits = 2
        counters.expirations = 1
        let report = ProxyStatistics(
            objects: 3, bytes: 4096, codedBytes: 9000, expiringObjects: 1, tierObjects: 2, tierBytes: 300, counters: counters,
            nodes: [.init(id: 0, functionID: "node-0", capacity: 1 << 20, used: 9000)]
        )
        #expect(try JSONDecoder().decode(ProxyStatistics.self, from: JSONEncoder().encode(report)) == report)

        let older = #"{"objects": 3, "bytes": 4096, "codedBytes": 9000, "counters": {"hits": 5, "misses": 1, "evictions": 0, "lostObjects": 0}, "nodes": []}"#
        let decoded = try JSONDecoder().decode(ProxyStatistics.self, from: Data(older.utf8))
        #expect(decoded.tierObjects == 0 && decoded.tierBytes == 0 && decoded.expiringObjects == 0)
        #expect(decoded.counters.hits == 5 && decoded.counters.misses == 1 && decoded.counters.tierHits == 0 && decoded.counters.expirations == 0)
        #expect(throws: DecodingError.self) {
            try JSONDecoder().decode(ProxyStatistics.self, from: Data(#"{"objects": 3}"#.utf8))
        }
    }
}
