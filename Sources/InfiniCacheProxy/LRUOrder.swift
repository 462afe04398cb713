/// Keys in order of last use, with O(1) touch, removal and least-recent lookup: a doubly
/// linked list threaded through a dictionary. The proxy's eviction order, and the
/// object-level LRU cache a trace replay compares against.
package struct LRUOrder<Key: Hashable & Sendable>: Sendable {
    private struct Links {
        var older: Key?
        var newer: Key?
    }

    private var links: [Key: Links] = [:]
    package private(set) var leastRecent: Key?
    private var mostRecent: Key?

    package var count: Int { self.links.count }

    package init() {}

    /// Marks `key` as used now, adding it if new.
    package mutating func touch(_ key: Key) {
        if self.links[key] != nil {
            guard self.mostRecent != key else { return }
            self.remove(key)
        }
        self.links[key] = Links(older: self.mostRecent, newer: nil)
        if let previous = self.mostRecent {
            self.link(previous) { $0.newer = key }
        }
        self.mostRecent = key
        if self.leastRecent == nil {
            self.leastRecent = key
        }
    }

    /// Forgets `key`.
    package mutating func remove(_ key: Key) {
        guard let removed = self.links.removeValue(forKey: key) else { return }
        if let older = removed.older {
            self.link(older) { $0.newer = removed.newer }
        } else {
            self.leastRecent = removed.newer
        }
        if let newer = removed.newer {
            self.link(newer) { $0.older = removed.older }
        } else {
            self.mostRecent = removed.older
        }
    }

    /// Changes `key`'s links in place: through the dictionary's index, because optional
    /// chaining through its key subscript allocates on every call.
    private mutating func link(_ key: Key, _ change: (inout Links) -> Void) {
        guard let index = self.links.index(forKey: key) else { return }
        change(&self.links.values[index])
    }
}
