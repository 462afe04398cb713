import ChunkWire
import InfiniCacheClient
import NIOCore
import RESPWire

/// Commands on values: `GET`, `SET`, `GETDEL`, `GETEX`, `MGET`, `MSET`, `STRLEN`, `GETRANGE`.
///
/// Conditional and compound commands (`SET … NX|XX|GET`, `GETDEL`, `GETEX`) read, then
/// write: each step is atomic, the pair is not (another client's write may fall between).
extension RESPCommandExecutor {
    static let stringCommands: [RESPCommand] = [
        RESPCommand("get", arity: 2, flags: ["readonly", "fast"], keys: (1, 1, 1)) { executor, _, words in
            .bulkString(try await executor.client.get(words[1]))
        },
        RESPCommand("set", arity: -3, flags: ["write", "denyoom"], keys: (1, 1, 1)) { executor, _, words in
            try await executor.set(words)
        },
        RESPCommand("getdel", arity: 2, flags: ["write", "fast"], keys: (1, 1, 1)) { executor, _, words in
            guard let value = try await executor.client.get(words[1]) else { return .bulkString(nil) }
            try await executor.client.delete(words[1])
            return .bulkString(value)
        },
        RESPCommand("getex", arity: -2, flags: ["write", "fast"], keys: (1, 1, 1)) { executor, _, words in
            let arguments = try ExpiryArguments.parse(words[2...], grammar: .getex, command: "getex")
            guard let value = try await executor.client.get(words[1]) else { return .bulkString(nil) }
            if let expiry = arguments.expiry {
                try await executor.client.expire(words[1], expiry)
            }
            return .bulkString(value)
        },
        RESPCommand("mget", arity: -2, flags: ["readonly", "fast"], keys: (1, -1, 1)) { executor, _, words in
            let values = try await executor.concurrently(words.dropFirst()) { try await executor.client.get($0) }
            return .array(values.map { .bulkString($0) })
        },
        RESPCommand("mset", arity: -3, flags: ["write", "denyoom"], keys: (1, -1, 2)) { executor, _, words in
            guard words.count % 2 == 1 else { return RedisReply.wrongArity("mset") }
            // The last value of a key given twice wins, as in Redis: only it is written.
            var last: [ByteBuffer: Int] = [:]
            for index in stride(from: 1, to: words.count, by: 2) {
                last[words[index]] = index
            }
            let pairs = last.values.sorted().map { (words[$0], words[$0 + 1]) }
            _ = try await executor.concurrently(pairs) { try await executor.client.put($0.0, $0.1) }
            return .ok
        },
        RESPCommand("strlen", arity: 2, flags: ["readonly", "fast"], keys: (1, 1, 1)) { executor, _, words in
            .integer(Int64(try await executor.client.metadata(words[1])?.length ?? 0))
        },
        RESPCommand("getrange", arity: 4, flags: ["readonly"], keys: (1, 1, 1)) { executor, _, words in
            guard let start = words[2].redisInteger, let end = words[3].redisInteger else { return RedisReply.notInteger }
            return .bulkString(try await executor.range(of: words[1], start: start, end: end))
        },
    ]

    /// `SET key value [NX | XX] [GET] [EX s | PX ms | EXAT s | PXAT ms | KEEPTTL]`.
    func set(_ words: [ByteBuffer]) async throws -> RESPValue {
        let arguments = try ExpiryArguments.parse(words[3...], grammar: .set, command: "set")
        let key = words[1]
        var old: ByteBuffer?
        var exists = false
        if arguments.returnsOldValue {
            old = try await self.client.get(key)
            exists = old != nil
        } else if arguments.condition != nil {
            exists = try await self.client.exists(key)
        }
        let skipped = (arguments.condition == .ifAbsent && exists) || (arguments.condition == .ifPresent && !exists)
        if !skipped {
            try await self.client.put(key, words[2], expiry: arguments.expiry ?? .never)
        }
        return arguments.returnsOldValue ? .bulkString(old) : skipped ? .bulkString(nil) : .ok
    }

    /// `GETRANGE`'s bytes: `start` and `end` inclusive, negative ones from the end, as
    /// Redis clamps them; empty for a missing key. With both ends counted from the start,
    /// the range read itself clamps them to the object, in one round trip; a negative end
    /// needs the object's length first.
    func range(of key: ByteBuffer, start: Int64, end: Int64) async throws -> ByteBuffer {
        if start >= 0, end >= 0 {
            guard start <= end else { return ByteBuffer() }
            let upper = end == .max ? end : end + 1
            if upper - start <= Self.longestDirectRange {
                return try await self.client.get(key, range: Int(start)..<Int(upper)) ?? ByteBuffer()
            }
        }
        guard let length = try await self.client.metadata(key)?.length,
            let bounds = Self.clampedRange(start: start, end: end, length: length)
        else {
            return ByteBuffer()
        }
        return try await self.client.get(key, range: bounds) ?? ByteBuffer()
    }

    /// The longest range read without learning the object's length first: the client's
    /// limit on one range read (4 GiB).
    static let longestDirectRange = Int64(UInt32.max)

    /// Redis's `GETRANGE` arithmetic on an object of `length` bytes; nil for an empty range.
    static func clampedRange(start: Int64, end: Int64, length: Int) -> Range<Int>? {
        guard !(start < 0 && end < 0 && start > end), length > 0 else { return nil }
        let length = Int64(length)
        let first = max(start < 0 ? length + start : start, 0)
        let last = min(max(end < 0 ? length + end : end, 0), length - 1)
        guard first <= last else { return nil }
        return Int(first)..<Int(last + 1)
    }

    /// Runs `operation` on every element at once; the results in the elements' order.
    func concurrently<Element: Sendable, Result: Sendable>(
        _ elements: some Collection<Element>,
        _ operation: @escaping @Sendable (Element) async throws -> Result
    ) async throws -> [Result] {
        try await withThrowingTaskGroup(of: (Int, Result).self) { group in
            for (index, element) in elements.enumerated() {
                group.addTask { (index, try await operation(element)) }
            }
            var results = [Result?](repeating: nil, count: elements.count)
            for try await (index, result) in group {
                results[index] = result
            }
            return results.map { $0! }
        }
    }
}
