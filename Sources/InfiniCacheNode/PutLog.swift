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

        /// Whether `chunks` holds this entry's chunk as this change stored it.
        func isLive(in chunks: [ChunkStore.Address: ChunkStore.Entry]) -> Bool {
            chunks[self.address]?.sequence == self.sequence
        }
    }

    private(set) var entries: [Entry] = []
    private var staleCount = 0

    /// Records that the chunk at `address` was stored as change `sequence`, which must be
    /// later than every change recorded before.
    mutating func append(_ address: ChunkStore.Address, sequence: UInt64) {
        self.entries.append(Entry(sequence: sequence, address: address))
    }

    /// Records that `count` entries went stale (their chunks were replaced or deleted in
    /// `chunks`, the store's chunks as they are now).
    mutating func noteStale(_ count: Int, chunks: [ChunkStore.Address: ChunkStore.Entry]) {
        self.staleCount += count
        guard self.staleCount > self.entries.count / 2 else {
            return
        }
        self.entries.removeAll { !$0.isLive(in: chunks) }
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
