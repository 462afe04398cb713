import NIOCore
import RESPWire

/// Replies in Redis's own words, so that clients written against Redis read them alike.
enum RedisReply {
    static let syntaxError = RESPValue.error("ERR syntax error")
    static let notInteger = RESPValue.error("ERR value is not an integer or out of range")
    static let noAuth = RESPValue.error("NOAUTH Authentication required.")
    static let wrongPassword = RESPValue.error("WRONGPASS invalid username-password pair or user is disabled.")
    static let noPasswordConfigured = RESPValue.error(
        "ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?"
    )
    static let pong = RESPValue.simpleString("PONG")

    static func wrongArity(_ name: String) -> RESPValue {
        .error("ERR wrong number of arguments for '\(name)' command")
    }

    static func invalidExpireTime(_ name: String) -> RESPValue {
        .error("ERR invalid expire time in '\(name)' command")
    }

    /// Redis 7.0's reply to a command it does not know: the name and up to 128 bytes of
    /// each argument, each argument quoted and followed by a space.
    static func unknownCommand(_ words: [ByteBuffer]) -> RESPValue {
        let name = String(decoding: words[0].readableBytesView.prefix(128), as: UTF8.self)
        let arguments = words.dropFirst().map { "'\(String(decoding: $0.readableBytesView.prefix(128), as: UTF8.self))' " }.joined()
        return .error("ERR unknown command '\(name)', with args beginning with: \(arguments)")
    }

    static func unknownSubcommand(_ subcommand: ByteBuffer, of command: String) -> RESPValue {
        .error("ERR unknown subcommand '\(String(decoding: subcommand.readableBytesView.prefix(128), as: UTF8.self))'. Try \(command.uppercased()) HELP.")
    }
}

/// A reply that ends a command early: thrown from deep in a command's parsing, and
/// sent as the command's reply (the connection stays usable).
struct RedisReplyError: Error {
    let reply: RESPValue

    init(_ reply: RESPValue) {
        self.reply = reply
    }
}

extension ByteBuffer {
    /// The bytes as an integer the way Redis's `string2ll` reads one: optional `-`,
    /// decimal digits, no spaces or `+`, within `Int64`.
    var redisInteger: Int64? {
        let view = self.readableBytesView
        guard !view.isEmpty, view.count <= 20, view.first != UInt8(ascii: "+") else { return nil }
        return Int64(String(decoding: view, as: UTF8.self))
    }

    /// The bytes upper-cased as ASCII, for matching command names and options.
    var uppercasedName: String {
        String(decoding: self.readableBytesView.prefix(64), as: UTF8.self).uppercased()
    }
}
