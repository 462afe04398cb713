/// A set of chunk indexes in `0 ..< 256`, stored as a fixed 256-bit mask so that it is
/// cheap to build, compare and hash on the decode path (no allocation).
struct ChunkSet: Hashable, Sendable, Sequence {
    private var low: SIMD4<UInt64> = .zero

    init() {}

    init(_ indexes: some Sequence<Int>) {
        for index in indexes { self.insert(index) }
    }

    /// Inserts `index`; returns false when it was already present.
    @discardableResult
    mutating func insert(_ index: Int) -> Bool {
        let bit = UInt64(1) << UInt64(index & 63)
        let present = self.low[index >> 6] & bit != 0
        self.low[index >> 6] |= bit
        return !present
    }

    func contains(_ index: Int) -> Bool {
        self.low[index >> 6] & (UInt64(1) << UInt64(index & 63)) != 0
    }

    var count: Int {
        (0..<4).reduce(0) { $0 + self.low[$1].nonzeroBitCount }
    }

    /// The indexes in increasing order.
    func makeIterator() -> some IteratorProtocol<Int> {
        (0..<256).lazy.filter { self.contains($0) }.makeIterator()
    }
}
