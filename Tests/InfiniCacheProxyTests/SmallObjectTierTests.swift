@testable import InfiniCacheProxy
import NIOCore
import Testing

@Suite("Small-object tier")
struct SmallObjectTierTests {
    private func key(_ name: String) -> ByteBuffer { ByteBuffer(string: name) }

    @Test("an entry is found by key and version only; a newer version replaces it")
    func versions() {
        var tier = SmallObjectTier(budget: 1 << 20, objectLimit: 1000)
        tier.insert(self.key("a"), .init(version: 3, bytes: ByteBuffer(repeating: 1, count: 10), checksum: 42))
        #expect(tier.entry(self.key("a"), version: 3)?.checksum == 42)
        #expect(tier.entry(self.key("a"), version: 4) == nil)
        tier.insert(self.key("a"), .init(version: 4, bytes: ByteBuffer(repeating: 2, count: 20), checksum: 7))
        #expect(tier.count == 1 && tier.entry(self.key("a"), version: 3) == nil)
        #expect(tier.usedBytes == 20 + 1 + SmallObjectTier.entryOverhead)
        tier.remove(self.key("a"))
        #expect(tier.count == 0 && tier.usedBytes == 0)
    }

    @Test("the budget holds: the least recently used entries leave first; too long or too costly objects are not kept")
    func budget() {
        let cost = 100 + 1 + SmallObjectTier.entryOverhead
        var tier = SmallObjectTier(budget: 3 * cost, objectLimit: 200)
        for name in ["a", "b", "c"] {
            tier.insert(self.key(name), .init(version: 1, bytes: ByteBuffer(repeating: 0, count: 100), checksum: 0))
        }
        _ = tier.entry(self.key("a"), version: 1)
        tier.insert(self.key("d"), .init(version: 1, bytes: ByteBuffer(repeating: 0, count: 100), checksum: 0))
        #expect(tier.entry(self.key("b"), version: 1) == nil, "b was the least recently used")
        #expect(tier.entry(self.key("a"), version: 1) != nil && tier.entry(self.key("d"), version: 1) != nil)
        #expect(tier.usedBytes <= 3 * cost)
        tier.insert(self.key("e"), .init(version: 1, bytes: ByteBuffer(repeating: 0, count: 201), checksum: 0))
        #expect(tier.entry(self.key("e"), version: 1) == nil, "longer than the object limit")
        var off = SmallObjectTier(budget: 0, objectLimit: 200)
        off.insert(self.key("a"), .init(version: 1, bytes: ByteBuffer(repeating: 0, count: 1), checksum: 0))
        #expect(off.count == 0)
    }

    @Test("a compact entry is a copy of its own, not a view into the buffer the bytes arrived in")
    func copies() {
        let arrived = ByteBuffer(repeating: 9, count: 64 << 10)
        let entry = SmallObjectTier.compactEntry(version: 1, bytes: arrived.getSlice(at: 100, length: 10)!, checksum: 5)
        #expect(entry.bytes == ByteBuffer(repeating: 9, count: 10) && entry.bytes.capacity < 1024 && entry.checksum == 5)
    }
}
