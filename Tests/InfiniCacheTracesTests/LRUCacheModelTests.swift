@testable import InfiniCacheReplay
import InfiniCacheTraces
import Testing

@Suite("LRU baseline")
struct LRUCacheModelTests {
    /// A plainly different LRU: a list in order of use, searched and trimmed from the old
    /// end.
    private struct ListLRU {
        let capacity: Int
        var entries: [(key: String, size: Int)] = []
        var seen: Set<String> = []

        mutating func get(_ key: String, size: Int) -> RequestOutcome {
            if let index = self.entries.firstIndex(where: { $0.key == key }) {
                self.entries.append(self.entries.remove(at: index))
                return .hit
            }
            let outcome: RequestOutcome = self.seen.contains(key) ? .capacityMiss : .firstAccess
            self.seen.insert(key)
            if size <= self.capacity {
                self.entries.append((key, size))
                while self.entries.reduce(0, { $0 + $1.size }) > self.capacity {
                    self.entries.removeFirst()
                }
            }
            return outcome
        }
    }

    @Test("hits and misses match an independent LRU on a pseudo-random workload")
    func matchesIndependentCount() {
        var random: UInt64 = 12345
        func next(_ bound: Int) -> Int {
            random = random &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int((random >> 33) % UInt64(bound))
        }
        let sizes = (0..<60).map { _ in 1 + next(100) }
        var model = LRUCacheModel(capacity: 1000)
        var reference = ListLRU(capacity: 1000)
        var outcomes: [RequestOutcome] = []
        var expected: [RequestOutcome] = []
        for index in 0..<3000 {
            // Skewed: low keys come up more often.
            let key = min(next(60), next(60))
            let request = TraceRequest(time: .seconds(index), key: "k\(key)", size: sizes[key])
            outcomes.append(model.serve(request))
            expected.append(reference.get(request.key, size: request.size))
        }
        #expect(outcomes == expected)
        #expect(outcomes.contains(.hit) && outcomes.contains(.capacityMiss) && outcomes.contains(.firstAccess))
    }

    @Test("a PUT stores a new version, evicting as a miss would; a DELETE removes the object, and its next GET is no first access")
    func writes() {
        var model = LRUCacheModel(capacity: 100)
        #expect(model.serve(TraceRequest(time: .zero, key: "a", size: 60, operation: .put)) == .write)
        #expect(model.serve(TraceRequest(time: .zero, key: "a", size: 60)) == .hit)
        #expect(model.serve(TraceRequest(time: .zero, key: "b", size: 50, operation: .put)) == .write)
        #expect(model.storedBytes == 50, "a was evicted to make room for b")
        #expect(model.serve(TraceRequest(time: .zero, key: "b", size: 50, operation: .delete)) == .write)
        #expect(model.storedBytes == 0)
        #expect(model.serve(TraceRequest(time: .zero, key: "b", size: 50)) == .capacityMiss)
    }

    @Test("stored bytes integrate over time; ECPUs count KiB moved")
    func serverlessUse() {
        var model = LRUCacheModel(capacity: 10_000)
        _ = model.serve(TraceRequest(time: .zero, key: "a", size: 2048))
        _ = model.serve(TraceRequest(time: .seconds(10), key: "a", size: 2048))
        _ = model.serve(TraceRequest(time: .seconds(20), key: "big", size: 20_000))
        model.advance(to: .seconds(30))
        #expect(model.storedByteSeconds == 2048 * 30, "the object too big to cache is not stored")
        #expect(model.ecpus == 2 + 2 + 20, "2 KiB stored, 2 KiB read, 20 KiB (rounded up) stored and refused")
    }
}
