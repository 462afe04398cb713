import InfiniCacheClient
import Testing

@Suite("Consistent hashing")
struct HashRingTests {
    @Test("adding a fifth proxy moves about a fifth of the keys, all to the new proxy")
    func addingAProxy() {
        let four = HashRing(memberCount: 4)
        let five = HashRing(memberCount: 5)
        var moved = 0
        for index in 0..<20_000 {
            let key = Array("key-\(index)".utf8)
            let before = four.member(for: key)
            let after = five.member(for: key)
            if before != after {
                moved += 1
                #expect(after == 4, "a key only moves to the new proxy")
            }
        }
        let fraction = Double(moved) / 20_000
        #expect(fraction > 0.12 && fraction < 0.28, "moved \(fraction)")
    }

    @Test("keys spread over every member")
    func balance() {
        let ring = HashRing(memberCount: 4)
        var counts = [0, 0, 0, 0]
        for index in 0..<20_000 {
            counts[ring.member(for: Array("key-\(index)".utf8))] += 1
        }
        #expect(counts.allSatisfy { $0 > 3_500 && $0 < 6_500 }, "\(counts)")
    }
}
