/// Consistent hashing of keys onto proxies: each proxy owns many points on a 64-bit ring,
/// and a key belongs to the first point at or after its hash. Adding a proxy to n others
/// moves only the keys its points take over, about 1/(n + 1) of them.
public struct HashRing: Sendable {
    private let points: [(hash: UInt64, member: Int)]

    /// Builds a ring over members `0 ..< memberCount` with `pointsPerMember` points each.
    public init(memberCount: Int, pointsPerMember: Int = 160) {
        var points: [(hash: UInt64, member: Int)] = []
        for member in 0..<memberCount {
            for point in 0..<pointsPerMember {
                points.append((Self.hash(Array("member-\(member)-point-\(point)".utf8)), member))
            }
        }
        self.points = points.sorted { $0.hash < $1.hash }
    }

    /// The member that owns `key`; 0 for an empty ring.
    public func member(for key: some Sequence<UInt8>) -> Int {
        guard !self.points.isEmpty else { return 0 }
        let hash = Self.hash(key)
        var low = 0
        var high = self.points.count
        while low < high {
            let middle = (low + high) / 2
            if self.points[middle].hash < hash { low = middle + 1 } else { high = middle }
        }
        return self.points[low == self.points.count ? 0 : low].member
    }

    /// FNV-1a, then a 64-bit finaliser so that similar keys spread over the whole ring.
    static func hash(_ bytes: some Sequence<UInt8>) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in bytes {
            hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01B3
        }
        hash = (hash ^ (hash >> 33)) &* 0xff51_afd7_ed55_8ccd
        hash = (hash ^ (hash >> 33)) &* 0xc4ce_b9fe_1a85_ec53
        return hash ^ (hash >> 33)
    }
}
