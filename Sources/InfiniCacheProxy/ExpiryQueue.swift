import HeapModule
import NIOCore

/// Expiry times of mapped versions, soonest first, for the background sweep. Entries are
/// never updated in place: a version whose expiry changed, or that is gone, leaves a stale
/// entry that the sweep recognises (its time is not the version's) and drops.
struct ExpiryQueue: Sendable {
    struct Entry: Comparable, Sendable {
        /// Milliseconds since the Unix epoch.
        var time: Int64
        var version: VersionID

        static func < (lhs: Entry, rhs: Entry) -> Bool {
            lhs.time < rhs.time
        }

        static func == (lhs: Entry, rhs: Entry) -> Bool {
            lhs.time == rhs.time && lhs.version == rhs.version
        }
    }

    private var heap = Heap<Entry>()

    var count: Int { self.heap.count }

    mutating func insert(_ version: VersionID, at time: Int64) {
        self.heap.insert(Entry(time: time, version: version))
    }

    /// Removes and returns the soonest entry if it is due at `now`.
    mutating func popDue(at now: Int64) -> Entry? {
        guard let first = self.heap.min, first.time <= now else { return nil }
        return self.heap.popMin()
    }
}
