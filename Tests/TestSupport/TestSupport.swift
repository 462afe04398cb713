public import ErasureCoding
import Foundation
import LocalFunctionPlatform

/// `count` pseudo-random bytes derived from `seed` (SplitMix64), filled eight at a time.
public func randomBytes(count: Int, seed: UInt64) -> [UInt8] {
    var generator = SplitMix64(seed: seed)
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

/// `body` took longer than its time limit.
public struct TimeLimitExceeded: Error, CustomStringConvertible {
    public let limit: Duration
    public var description: String { "no result within \(self.limit)" }
}

/// The result of `body`, which is cancelled and throws ``TimeLimitExceeded`` if it has
/// not finished within `limit`: a test that waits for something that may never happen
/// fails instead of hanging the run. `body` must end when cancelled (task-group children
/// are awaited): a wait that ignores cancellation still hangs.
public func within<Value: Sendable>(_ limit: Duration, _ body: @escaping @Sendable () async throws -> Value) async throws -> Value {
    try await withThrowingTaskGroup(of: Value?.self) { group in
        group.addTask { try await body() }
        group.addTask {
            try await Task.sleep(for: limit)
            return nil
        }
        defer { group.cancelAll() }
        guard let value = try await group.next() ?? nil else {
            throw TimeLimitExceeded(limit: limit)
        }
        return value
    }
}
