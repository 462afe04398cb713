import ChunkWire
import InfiniCacheClient
import NIOCore
import RESPWire

/// Commands on keys: `DEL`, `UNLINK`, `EXISTS`, `TYPE`, the `EXPIRE` family, `TTL`,
/// `PTTL`, `PERSIST`, `SCAN` and `KEYS`.
extension RESPCommandExecutor {
    /// `DEL` and `UNLINK`: how many of the keys were removed.
    private static let deleteKeys: RESPCommand.Run = { executor, _, words in
        try await executor.count(words.dropFirst()) { try await executor.client.delete($0) }
    }

    static let keyCommands: [RESPCommand] = [
        RESPCommand("del", arity: -2, flags: ["write"], keys: (1, -1, 1), run: RESPCommandExecutor.deleteKeys),
        // UNLINK is DEL that frees memory in the background; the cache's deletes already are.
        RESPCommand("unlink", arity: -2, flags: ["write", "fast"], keys: (1, -1, 1), run: RESPCommandExecutor.deleteKeys),
        RESPCommand("exists", arity: -2, flags: ["readonly", "fast"], keys: (1, -1, 1)) { executor, _, words in
            try await executor.count(words.dropFirst()) { try await executor.client.exists($0) }
        },
        RESPCommand("type", arity: 2, flags: ["readonly", "fast"], keys: (1, 1, 1)) { executor, _, words in
            .simpleString(try await executor.client.exists(words[1]) ? "string" : "none")
        },
        expireCommand("expire", unit: "EX"),
        expireCommand("pexpire", unit: "PX"),
        expireCommand("expireat", unit: "EXAT"),
        expireCommand("pexpireat", unit: "PXAT"),
        RESPCommand("ttl", arity: 2, flags: ["readonly", "fast"], keys: (1, 1, 1)) { executor, _, words in
            .integer(try await executor.timeToLive(words[1], inSeconds: true))
        },
        RESPCommand("pttl", arity: 2, flags: ["readonly", "fast"], keys: (1, 1, 1)) { executor, _, words in
            .integer(try await executor.timeToLive(words[1], inSeconds: false))
        },
        RESPCommand("persist", arity: 2, flags: ["write", "fast"], keys: (1, 1, 1)) { executor, _, words in
            guard case .milliseconds = try await executor.client.ttl(words[1]) else { return .integer(0) }
            return .integer(try await executor.client.expire(words[1], .never) ? 1 : 0)
        },
        RESPCommand("scan", arity: -2, flags: ["readonly"]) { executor, _, words in
            try await executor.scan(words)
        },
        RESPCommand("keys", arity: 2, flags: ["readonly"]) { executor, _, words in
            let pattern = GlobPattern(Array(words[1].readableBytesView))
            var keys: [RESPValue] = []
            var cursor: UInt64 = 0
            repeat {
                let page = try await executor.client.scan(from: cursor, count: 1000)
                keys += page.keys.filter { pattern.matches($0.readableBytesView) }.map { .bulkString($0) }
                cursor = page.cursor
            } while cursor != 0
            return .array(keys)
        },
    ]

    /// `EXPIRE key time [NX | XX | GT | LT]` in one of four units: 1 if the expiry was
    /// set (or the time had passed and the key was deleted), 0 if the key is missing or
    /// the condition did not hold.
    private static func expireCommand(_ name: String, unit: String) -> RESPCommand {
        RESPCommand(name, arity: -3, flags: ["write", "fast"], keys: (1, 1, 1)) { executor, _, words in
            guard let number = words[2].redisInteger else { return RedisReply.notInteger }
            let options = Set(words[3...].map(\.uppercasedName))
            guard options.isSubset(of: ["NX", "XX", "GT", "LT"]) else {
                return .error("ERR Unsupported option \(String(buffer: words[3...].first { !["NX", "XX", "GT", "LT"].contains($0.uppercasedName) }!))")
            }
            if options.contains("NX"), options.count > 1 {
                return .error("ERR NX and XX, GT or LT options at the same time are not compatible")
            }
            if options.contains("GT"), options.contains("LT") {
                return .error("ERR GT and LT options at the same time are not compatible")
            }
            guard let parsed = ExpiryArguments.expiry(unit: unit, number) else { return RedisReply.invalidExpireTime(name) }
            // A time at or before the epoch has passed: the key is deleted, as in Redis.
            let expiry: ObjectExpiry
            let milliseconds: Int64
            switch parsed {
            case .at(let time):
                (expiry, milliseconds) = (.at(millisecondsSinceEpoch: max(time, 1)), time)
            case .after(let left):
                (expiry, milliseconds) = (parsed, left)
            case .never, .keep:
                return RedisReply.invalidExpireTime(name)
            }
            if !options.isEmpty {
                guard let current = try await executor.client.ttl(words[1]) else { return .integer(0) }
                let newLeft = unit.hasSuffix("AT") ? milliseconds - ObjectExpiry.systemClockMilliseconds() : milliseconds
                guard Self.expiryConditionsHold(options, current: current, newLeft: newLeft) else { return .integer(0) }
            }
            return .integer(try await executor.client.expire(words[1], expiry) ? 1 : 0)
        }
    }

    /// Whether every one of `EXPIRE`'s `NX`, `XX`, `GT` and `LT` holds, as Redis checks
    /// them (no expiry counts as infinite: `GT` fails on it, `LT` holds).
    static func expiryConditionsHold(_ options: Set<String>, current: TimeToLive, newLeft: Int64) -> Bool {
        let left: Int64? =
            switch current {
            case .forever: nil
            case .milliseconds(let left): left
            }
        if options.contains("NX"), left != nil { return false }
        if options.contains("XX"), left == nil { return false }
        if options.contains("GT"), left.map({ newLeft <= $0 }) ?? true { return false }
        if options.contains("LT"), let left, newLeft >= left { return false }
        return true
    }

    /// `TTL` / `PTTL`: -2 for a missing key, -1 without an expiry, else the time left
    /// (seconds rounded to nearest, as Redis does).
    func timeToLive(_ key: ByteBuffer, inSeconds: Bool) async throws -> Int64 {
        switch try await self.client.ttl(key) {
        case nil: -2
        case .forever: -1
        case .milliseconds(let left): inSeconds ? (left + 500) / 1000 : left
        }
    }

    /// `SCAN cursor [MATCH pattern] [COUNT n] [TYPE type]`: `COUNT` keys are visited and
    /// `MATCH` filters them, as in Redis, so a page may hold fewer.
    func scan(_ words: [ByteBuffer]) async throws -> RESPValue {
        guard let cursor = UInt64(String(buffer: words[1])) else {
            return .error("ERR invalid cursor")
        }
        var pattern: GlobPattern?
        var count = 10
        var typeMatches = true
        var index = 2
        while index < words.count {
            guard index + 1 < words.count else { return RedisReply.syntaxError }
            switch words[index].uppercasedName {
            case "MATCH":
                pattern = GlobPattern(Array(words[index + 1].readableBytesView))
            case "COUNT":
                guard let number = words[index + 1].redisInteger else { return RedisReply.notInteger }
                guard number >= 1 else { return RedisReply.syntaxError }
                count = Int(clamping: number)
            case "TYPE":
                typeMatches = words[index + 1].uppercasedName == "STRING"
            default:
                return RedisReply.syntaxError
            }
            index += 2
        }
        let page = try await self.client.scan(from: cursor, count: count)
        let keys = typeMatches ? page.keys.filter { pattern?.matches($0.readableBytesView) ?? true } : []
        return .array([.bulkString(String(page.cursor)), .array(keys.map { .bulkString($0) })])
    }

    /// How many of `keys` `operation` returns true for, all asked at once.
    func count(_ keys: ArraySlice<ByteBuffer>, _ operation: @escaping @Sendable (ByteBuffer) async throws -> Bool) async throws -> RESPValue {
        .integer(Int64(try await self.concurrently(keys, operation).filter { $0 }.count))
    }
}
