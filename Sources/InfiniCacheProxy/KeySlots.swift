import NIOCore

/// The mapped keys in numbered slots, for cursor-based scans: a key keeps its slot while
/// it is mapped, so a scan that walks the slots in order returns every key mapped for
/// the whole scan exactly once, whatever else is added or removed meanwhile (a key added
/// during the scan may or may not be returned). Freed slots are reused.
struct KeySlots: Sendable {
    private var slots: [ByteBuffer?] = []
    private var slotOfKey: [ByteBuffer: Int] = [:]
    private var free: [Int] = []

    /// Gives `key` a slot unless it has one.
    mutating func insert(_ key: ByteBuffer) {
        guard self.slotOfKey[key] == nil else { return }
        let slot = self.free.popLast() ?? self.slots.count
        if slot == self.slots.count {
            self.slots.append(key)
        } else {
            self.slots[slot] = key
        }
        self.slotOfKey[key] = slot
    }

    mutating func remove(_ key: ByteBuffer) {
        guard let slot = self.slotOfKey.removeValue(forKey: key) else { return }
        self.slots[slot] = nil
        self.free.append(slot)
    }

    /// Up to `count` keys from slot `cursor` on that pass `include`, visiting at most
    /// `count × 10` slots; returns them with the cursor to continue from, 0 once the last
    /// slot was visited.
    func scan(from cursor: Int, count: Int, including include: (ByteBuffer) -> Bool) -> (next: Int, keys: [ByteBuffer]) {
        var keys: [ByteBuffer] = []
        var slot = max(cursor, 0)
        let end = min(self.slots.count, slot &+ max(count, 1) &* 10)
        while slot < end, keys.count < count {
            if let key = self.slots[slot], include(key) {
                keys.append(key)
            }
            slot += 1
        }
        return (slot >= self.slots.count ? 0 : slot, keys)
    }
}
