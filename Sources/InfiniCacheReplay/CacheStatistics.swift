/// How one request of a replay ended.
public enum RequestOutcome: UInt8, Sendable, Hashable {
    /// A GET the cache answered.
    case hit
    /// A GET of an object never requested before.
    case firstAccess
    /// A GET of an object the cache had evicted to make room.
    case capacityMiss
    /// A GET of an object the cache still mapped but could not read: too many of its
    /// chunks were lost with reclaimed instances.
    case lostMiss
    /// A PUT or DELETE (no hit or miss).
    case write
}

/// What one hour of a replay saw.
public struct HourStatistics: Sendable, Hashable {
    /// GETs.
    public var gets = 0
    /// GETs the cache answered.
    public var hits = 0
    /// GETs of objects the cache should have held: hits and lost misses.
    public var expected = 0
    /// Of those, GETs of objects lost to reclaims.
    public var lost = 0
    /// Dollars spent from the start of the replay to the end of this hour.
    public var cumulativeCost = 0.0

    /// Hits over GETs; nil in an hour without GETs.
    public var hitRatio: Double? { self.gets > 0 ? Double(self.hits) / Double(self.gets) : nil }
    /// Of the GETs for objects the cache held, the fraction it could read; nil in an
    /// hour without such GETs.
    public var availability: Double? { self.expected > 0 ? 1 - Double(self.lost) / Double(self.expected) : nil }
}

/// Hits and misses of one cache over a replay, by request and by byte, overall and per
/// hour.
public struct CacheStatistics: Sendable, Hashable {
    /// GETs.
    public var gets = 0
    /// Bytes the GETs asked for (full scale).
    public var getBytes = 0
    /// GETs the cache answered.
    public var hits = 0
    /// Bytes the hits served (full scale).
    public var hitBytes = 0
    /// Misses of objects never requested before.
    public var firstAccessMisses = 0
    /// Misses of objects evicted to make room.
    public var capacityMisses = 0
    /// Misses of objects lost with reclaimed instances.
    public var lostMisses = 0
    /// One entry per hour of the replay.
    public var hours: [HourStatistics]
    /// Every request's outcome, in trace order.
    public var outcomes: [RequestOutcome] = []

    init(hours: Int) {
        self.hours = Array(repeating: HourStatistics(), count: max(hours, 1))
    }

    /// Hits over GETs.
    public var hitRatio: Double { self.gets > 0 ? Double(self.hits) / Double(self.gets) : 0 }
    /// Bytes served from the cache over bytes asked for.
    public var byteHitRatio: Double { self.getBytes > 0 ? Double(self.hitBytes) / Double(self.getBytes) : 0 }
    /// The mean of the hours' availability (hours without GETs of cached objects left out).
    public var meanHourlyAvailability: Double {
        let hours = self.hours.compactMap(\.availability)
        return hours.isEmpty ? 1 : hours.reduce(0, +) / Double(hours.count)
    }
    /// The worst hour's availability.
    public var worstHourlyAvailability: Double { self.hours.compactMap(\.availability).min() ?? 1 }

    /// Counts `outcome` of a request of `size` bytes made in hour `hour`.
    mutating func record(_ outcome: RequestOutcome, size: Int, hour: Int) {
        self.outcomes.append(outcome)
        guard outcome != .write else { return }
        let hour = min(hour, self.hours.count - 1)
        self.gets += 1
        self.getBytes += size
        self.hours[hour].gets += 1
        switch outcome {
        case .hit:
            self.hits += 1
            self.hitBytes += size
            self.hours[hour].hits += 1
            self.hours[hour].expected += 1
        case .firstAccess:
            self.firstAccessMisses += 1
        case .capacityMiss:
            self.capacityMisses += 1
        case .lostMiss:
            self.lostMisses += 1
            self.hours[hour].expected += 1
            self.hours[hour].lost += 1
        case .write:
            break
        }
    }
}
