import Foundation
import InfiniCacheClient
import InfiniCacheStatistics
import NIOCore
import RESPWire

/// Commands about the server: `DBSIZE`, `FLUSHALL`, `FLUSHDB`, `INFO`, `COMMAND`.
extension RESPCommandExecutor {
    static let serverCommands: [RESPCommand] = [
        RESPCommand("dbsize", arity: 1, flags: ["readonly", "fast"]) { executor, _, _ in
            .integer(Int64(try await executor.client.statistics().objects))
        },
        RESPCommand("flushall", arity: -1, flags: ["write"]) { executor, _, words in
            try await executor.flush(words)
        },
        RESPCommand("flushdb", arity: -1, flags: ["write"]) { executor, _, words in
            try await executor.flush(words)
        },
        RESPCommand("info", arity: -1, flags: ["loading", "stale"]) { executor, _, words in
            let report = try await executor.info(sections: words.dropFirst().map { $0.uppercasedName.lowercased() })
            return .verbatimString(format: "txt", text: report)
        },
        RESPCommand("command", arity: -1, flags: ["loading", "stale"]) { _, _, words in
            RESPCommandExecutor.command(words)
        },
    ]

    /// `FLUSHALL [ASYNC | SYNC]`: the chunks are deleted after the reply either way.
    func flush(_ words: [ByteBuffer]) async throws -> RESPValue {
        guard words.count == 1 || (words.count == 2 && ["ASYNC", "SYNC"].contains(words[1].uppercasedName)) else {
            return RedisReply.syntaxError
        }
        try await self.client.flush()
        return .ok
    }

    /// `COMMAND`, `COMMAND COUNT`, `COMMAND INFO name…` and `COMMAND DOCS [name…]` (an
    /// empty document per command: enough for redis-cli, which then uses its own help).
    static func command(_ words: [ByteBuffer]) -> RESPValue {
        let sorted = Self.commands.values.sorted { $0.name < $1.name }
        guard words.count >= 2 else {
            return .array(sorted.map(\.info))
        }
        switch words[1].uppercasedName {
        case "COUNT" where words.count == 2:
            return .integer(Int64(sorted.count))
        case "INFO":
            return .array(words.count == 2 ? sorted.map(\.info) : words.dropFirst(2).map { Self.commands[$0.uppercasedName]?.info ?? .array(nil) })
        case "DOCS":
            let named = words.count == 2 ? sorted : words.dropFirst(2).compactMap { Self.commands[$0.uppercasedName] }
            return .map(named.map { .init(.bulkString($0.name), .map([])) })
        default:
            return RedisReply.unknownSubcommand(words[1], of: "command")
        }
    }
}
