import ErasureCoding
import Foundation
import NIOCore

/// A small deterministic generator (SplitMix64), so failures reproduce from the seed.
struct SeededGenerator: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) {
        self.state = seed
    }

    mutating func next() -> UInt64 {
        self.state &+= 0x9E37_79B9_7F4A_7C15
        var z = self.state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// `count` pseudo-random bytes derived from `seed`, filled eight at a time.
func randomBytes(count: Int, seed: UInt64) -> [UInt8] {
    var generator = SeededGenerator(seed: seed)
    return [UInt8](unsafeUninitializedCapacity: count) { buffer, initialized in
        var index = 0
        while index < count {
            var word = generator.next()
            for _ in 0..<min(8, count - index) {
                buffer[index] = UInt8(truncatingIfNeeded: word)
                word >>= 8
                index += 1
            }
        }
        initialized = count
    }
}

/// Byte equality through `memcmp`: element-wise comparison is slow in debug builds.
func sameBytes(_ a: some ChunkBytes, _ b: some ChunkBytes) -> Bool {
    a.withUnsafeChunkBytes { a in
        b.withUnsafeChunkBytes { b in
            guard a.count == b.count else { return false }
            guard let left = a.baseAddress, let right = b.baseAddress else { return true }
            return memcmp(left, right, a.count) == 0
        }
    }
}

/// Every subset of `0 ..< n` with at most `maximumSize` elements, the empty set included.
func subsets(of n: Int, maximumSize: Int) -> [[Int]] {
    var result: [[Int]] = [[]]
    func extend(_ current: [Int], from start: Int) {
        guard current.count < maximumSize else { return }
        for next in start..<n {
            let grown = current + [next]
            result.append(grown)
            extend(grown, from: next + 1)
        }
    }
    extend([], from: 0)
    return result
}

/// The k + r chunks of each stripe of an `[UInt8]` encoding, as arrays.
func chunkArrays(_ encoded: EncodedObject<ArraySlice<UInt8>>) -> [[IndexedChunk<[UInt8]>]] {
    encoded.stripes.map { stripe in
        let data = stripe.dataChunks.map { Array($0) }
        let parity = stripe.parityChunks.map { Array($0.readableBytesView) }
        return (data + parity).enumerated().map { IndexedChunk(index: $0.offset, bytes: $0.element) }
    }
}
