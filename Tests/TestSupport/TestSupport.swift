public import ErasureCoding
import Foundation

/// A small deterministic generator (SplitMix64), so failures reproduce from the seed.
public struct SeededGenerator: RandomNumberGenerator {
    private var state: UInt64

    public init(seed: UInt64) {
        self.state = seed
    }

    public mutating func next() -> UInt64 {
        self.state &+= 0x9E37_79B9_7F4A_7C15
        var z = self.state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// `count` pseudo-random bytes derived from `seed`, filled eight at a time.
public func randomBytes(count: Int, seed: UInt64) -> [UInt8] {
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
public func sameBytes(_ a: some ChunkBytes, _ b: some ChunkBytes) -> Bool {
    a.withUnsafeChunkBytes { a in
        b.withUnsafeChunkBytes { b in
            guard a.count == b.count else { return false }
            guard let left = a.baseAddress, let right = b.baseAddress else { return true }
            return memcmp(left, right, a.count) == 0
        }
    }
}

/// Checks `condition` up to `attempts` times, sleeping `interval` before each retry, and
/// returns whether it came to hold. Tests that expect the condition check it again
/// themselves, so a condition still false just falls through to that expectation.
@discardableResult
public func poll(attempts: Int, every interval: Duration, until condition: () -> Bool) async throws -> Bool {
    for _ in 0..<attempts {
        if condition() {
            return true
        }
        try await Task.sleep(for: interval)
    }
    return condition()
}
