import Synchronization

/// A bounded, thread-safe cache of decode tables, one per erasure pattern: which chunks
/// were used as sources, and which chunks are computed from them.
///
/// Building tables means a k × k matrix inversion plus `ec_init_tables`, which costs more
/// than decoding a small stripe; a workload sees few patterns, so they are kept. When
/// full, the least recently used pattern is dropped.
final class DecodeTableCache: Sendable {
    struct Pattern: Hashable, Sendable {
        var sources: ChunkSet
        var outputs: ChunkSet
    }

    private struct Entry {
        var tables: GaloisTables
        var lastUse: UInt64
    }

    private struct State {
        var entries: [Pattern: Entry] = [:]
        var clock: UInt64 = 0
    }

    /// Maximum number of patterns kept.
    let capacity: Int
    private let state = Mutex(State())

    init(capacity: Int) {
        self.capacity = max(1, capacity)
    }

    /// Number of patterns currently cached.
    var count: Int {
        self.state.withLock { $0.entries.count }
    }

    /// The tables for `pattern`, built with `make` (outside the lock) on a miss.
    func tables(for pattern: Pattern, make: (Pattern) -> GaloisTables) -> GaloisTables {
        let cached: GaloisTables? = self.state.withLock { state in
            state.clock += 1
            guard let index = state.entries.index(forKey: pattern) else { return nil }
            state.entries.values[index].lastUse = state.clock
            return state.entries.values[index].tables
        }
        if let cached { return cached }

        let tables = make(pattern)
        self.state.withLock { state in
            state.clock += 1
            state.entries[pattern] = Entry(tables: tables, lastUse: state.clock)
            if state.entries.count > self.capacity,
                let oldest = state.entries.min(by: { $0.value.lastUse < $1.value.lastUse })?.key
            {
                state.entries[oldest] = nil
            }
        }
        return tables
    }
}
