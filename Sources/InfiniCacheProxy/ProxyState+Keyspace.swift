import ChunkWire
import InfiniCacheStatistics
import NIOCore

/// Expiry times and the keyspace as a whole: times are milliseconds since the Unix epoch
/// by the proxy's clock, passed in as `now` so that tests can run on a clock of their own.
extension ProxyState {
    /// Removes `key` if its committed version's expiry time has passed at `now`
    /// (counting an expiration); returns the deletions to send.
    mutating func expireIfDue(_ key: ByteBuffer, now: Int64) -> [Deletion] {
        guard let time = self.committed[key]?.expiresAt, time <= now else { return [] }
        self.counters.expirations += 1
        return self.unmap(key: key)
    }

    /// Gives `key`'s committed version the expiry `time`, or none when nil. A time that
    /// has passed removes the object (as Redis's `EXPIRE` with a negative time deletes the
    /// key). Returns the record as changed (nil if the key is not mapped) and the
    /// deletions to send.
    mutating func setExpiry(of key: ByteBuffer, to time: Int64?, now: Int64) -> (record: ObjectRecord?, deletions: [Deletion]) {
        let expired = self.expireIfDue(key, now: now)
        guard var record = self.committed[key] else {
            return (nil, expired)
        }
        if let time, time <= now {
            let deletions = self.unmap(key: key)
            record.expiresAt = time
            return (record, expired + deletions)
        }
        self.expiringObjects += (time != nil ? 1 : 0) - (record.expiresAt != nil ? 1 : 0)
        record.expiresAt = time
        self.committed[key] = record
        if let time {
            self.scheduleExpiry(of: record.id, at: time)
        }
        return (record, expired)
    }

    /// Up to `count` keys from `cursor` whose expiry time has not passed at `now`, and
    /// the cursor to continue from (0: done). See ``KeySlots/scan(from:count:including:)``.
    func scan(from cursor: Int, count: Int, now: Int64) -> (next: Int, keys: [ByteBuffer]) {
        self.keySlots.scan(from: cursor, count: count) { key in
            self.committed[key]?.expiresAt.map { $0 > now } ?? true
        }
    }

    /// Removes every committed object; returns the deletions to send.
    mutating func flush() -> [Deletion] {
        var deletions: [Deletion] = []
        for key in Array(self.committed.keys) {
            deletions += self.unmap(key: key)
        }
        // Every slot is free now: start over, so that scans do not walk the old table.
        self.keySlots = KeySlots()
        return deletions
    }

    /// Removes up to `limit` objects whose expiry time has passed at `now`, soonest
    /// first; returns the deletions to send. Stale queue entries (versions replaced, gone
    /// or given another time) are dropped on the way without counting toward the limit.
    mutating func sweepExpired(now: Int64, limit: Int) -> [Deletion] {
        var deletions: [Deletion] = []
        var removed = 0
        while removed < limit, let due = self.expiries.popDue(at: now) {
            guard let record = self.committed[due.version.key], record.version == due.version.version, record.expiresAt == due.time else {
                continue
            }
            self.counters.expirations += 1
            deletions += self.unmap(key: due.version.key)
            removed += 1
        }
        return deletions
    }

    /// Queues `version` to expire at `time`. Entries made stale by later changes stay in
    /// the queue until their time; when they outnumber the live ones (plus 1,024), the
    /// queue is rebuilt from the mapping, so its size stays within a constant factor of
    /// the objects mapped however often expiry times change.
    mutating func scheduleExpiry(of version: VersionID, at time: Int64) {
        self.expiries.insert(version, at: time)
        guard self.expiries.count > 2 * self.committed.count + 1024 else { return }
        var rebuilt = ExpiryQueue()
        for record in self.committed.values {
            if let time = record.expiresAt {
                rebuilt.insert(record.id, at: time)
            }
        }
        self.expiries = rebuilt
    }
}
