/// A set of chunk indexes in `0 ..< 256`, stored as four 64-bit words so that it is cheap to
/// build, compare and hash on the decode path (no allocation).
///
/// Plain stored words rather than a `SIMD4`: indexing a SIMD vector with a run-time lane
/// spills it to memory, which showed up in decode profiles of small stripes.
struct ChunkSet: Hashable, Sendable, Sequence {
    private var w0: UInt64 = 0
    private var w1: UInt64 = 0
    private var w2: UInt64 = 0
    private var w3: UInt64 = 0

    init() {}

    init(_ indexes: some Sequence<Int>) {
        for index in indexes { self.insert(index) }
    }

    /// The word holding `index`'s bit, selected by its top two bits.
    private subscript(word word: Int) -> UInt64 {
        get {
            switch word {
            case 0: self.w0
            case 1: self.w1
            case 2: self.w2
            default: self.w3
            }
        }
        set {
            switch word {
            case 0: self.w0 = newValue
            case 1: self.w1 = newValue
            case 2: self.w2 = newValue
            default: self.w3 = newValue
            }
        }
    }

    /// Inserts `index`; returns false when it was already present.
    @discardableResult
    mutating func insert(_ index: Int) -> Bool {
        let bit = UInt64(1) << UInt64(index & 63)
        let word = self[word: index >> 6]
        self[word: index >> 6] = word | bit
        return word & bit == 0
    }

    func contains(_ index: Int) -> Bool {
        self[word: index >> 6] & (UInt64(1) << UInt64(index & 63)) != 0
    }

    var count: Int {
        self.w0.nonzeroBitCount + self.w1.nonzeroBitCount + self.w2.nonzeroBitCount + self.w3.nonzeroBitCount
    }

    /// The `count` lowest indexes of the set (all of them when it holds fewer).
    func lowest(_ count: Int) -> ChunkSet {
        var result = ChunkSet()
        var iterator = self.makeIterator()
        for _ in 0..<count {
            guard let index = iterator.next() else { break }
            result.insert(index)
        }
        return result
    }

    /// The indexes in increasing order.
    func makeIterator() -> Iterator {
        Iterator(remaining: self)
    }

    /// Walks the set bits word by word, clearing each one it returns.
    struct Iterator: IteratorProtocol {
        private var remaining: ChunkSet
        private var word = 0

        fileprivate init(remaining: ChunkSet) {
            self.remaining = remaining
        }

        mutating func next() -> Int? {
            while self.word < 4 {
                let bits = self.remaining[word: self.word]
                if bits != 0 {
                    self.remaining[word: self.word] = bits & (bits - 1)
                    return self.word * 64 + bits.trailingZeroBitCount
                }
                self.word += 1
            }
            return nil
        }
    }
}
