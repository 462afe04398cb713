/// The chunks a store holds, in the order they were stored, so that a delta reads only the
/// puts after its mark instead of scanning and sorting the whole store.
///
/// Entries are appended in change-sequence order. Replacing or deleting a chunk leaves its
/// entry stale: readers skip an entry whose chunk no longer carries its sequence number,
/// and the log drops its stale entries once they make up half of it, so it stays within
/// twice the number of chunks held at an amortised constant cost per change.
struct PutLog {
    struct Entry {
        var sequence: UInt64
        var address: ChunkStore.Address
    }

    private(set) var entries: [Entry] = []
    private var staleCount = 0

    /// Records that the chunk at `address` was stored as change `sequence`, which must be
    /// later than every change recorded before.
    mutating func append(_ address: ChunkStore.Address, sequence: UInt64) {
        self.entries.append(Entry(sequence: sequence, address: address))
    }

    /// Records that `count` entries went stale (their chunks were replaced or deleted);
    /// `isLive` tells, when the log compacts, which entries still name a held chunk.
    mutating func noteStale(_ count: Int, isLive: (Entry) -> Bool) {
        self.staleCount += count
        guard self.staleCount > self.entries.count / 2 else {
            return
        }
        self.entries.removeAll { !isLive($0) }
        self.staleCount = 0
    }

    /// Forgets every entry (the store dropped every chunk).
    mutating func removeAll() {
        self.entries.removeAll()
        self.staleCount = 0
    }

    /// The entries of changes after `sequence`, stale ones included, oldest first.
    func entries(after sequence: UInt64) -> ArraySlice<Entry> {
        self.entries[self.entries.partitionPoint { $0.sequence > sequence }...]
    }
}

extension RandomAccessCollection {
    /// The first index whose element satisfies `belongsAfter`, found by binary search: the
    /// predicate must be false for a prefix of the collection and true for the rest.
    func partitionPoint(where belongsAfter: (Element) -> Bool) -> Index {
        var low = self.startIndex
        var count = self.count
        while count > 0 {
            let half = count / 2
            let middle = self.index(low, offsetBy: half)
            if belongsAfter(self[middle]) {
                count = half
            } else {
                low = self.index(after: middle)
                count -= half + 1
            }
        }
        return low
    }
}
