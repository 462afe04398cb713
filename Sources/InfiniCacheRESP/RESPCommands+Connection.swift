import NIOCore
import RESPWire

/// Commands about the connection itself: `PING`, `ECHO`, `HELLO`, `AUTH`, `QUIT`,
/// `SELECT`, `CLIENT`.
extension RESPCommandExecutor {
    static let connectionCommands: [RESPCommand] = [
        RESPCommand("ping", arity: -1, flags: ["fast"]) { _, _, words in
            switch words.count {
            case 1: RedisReply.pong
            case 2: .bulkString(words[1])
            default: RedisReply.wrongArity("ping")
            }
        },
        RESPCommand("echo", arity: 2, flags: ["fast"]) { _, _, words in .bulkString(words[1]) },
        RESPCommand("quit", arity: -1, flags: ["fast"]) { _, session, _ in
            session.closesAfterReply = true
            return .ok
        },
        RESPCommand("select", arity: 2, flags: ["fast"]) { _, _, words in
            guard let index = words[1].redisInteger else { return RedisReply.notInteger }
            return index == 0 ? .ok : .error("ERR DB index is out of range")
        },
        RESPCommand("auth", arity: -2, flags: ["fast", "no-auth"]) { executor, session, words in
            guard words.count <= 3 else { return RedisReply.syntaxError }
            return executor.authenticate(&session, user: words.count == 3 ? words[1] : nil, password: words[words.count - 1])
        },
        RESPCommand("hello", arity: -1, flags: ["fast", "no-auth"]) { executor, session, words in
            executor.hello(&session, words)
        },
        RESPCommand("client", arity: -2, flags: []) { _, session, words in
            RESPCommandExecutor.client(&session, words)
        },
    ]

    /// `AUTH [user] password`: the only user is `default`.
    func authenticate(_ session: inout RESPSession, user: ByteBuffer?, password: ByteBuffer) -> RESPValue {
        guard let expected = self.password else {
            return user == nil ? RedisReply.noPasswordConfigured : .ok
        }
        guard user.map({ String(buffer: $0) == "default" }) ?? true, Array(password.readableBytesView) == expected else {
            return RedisReply.wrongPassword
        }
        session.isAuthenticated = true
        return .ok
    }

    /// `HELLO [protover [AUTH user password] [SETNAME name]]`: switches the protocol and
    /// answers with the server's description.
    func hello(_ session: inout RESPSession, _ words: [ByteBuffer]) -> RESPValue {
        var version = session.version
        if words.count >= 2 {
            guard let requested = words[1].redisInteger else {
                return .error("ERR Protocol version is not an integer or out of range")
            }
            guard let supported = RESPVersion(rawValue: Int(requested)) else {
                return .error("NOPROTO unsupported protocol version")
            }
            version = supported
        }
        var index = 2
        var name: String?
        var authenticated = session.isAuthenticated
        while index < words.count {
            switch words[index].uppercasedName {
            case "AUTH" where index + 2 < words.count:
                var probe = session
                guard case .simpleString = self.authenticate(&probe, user: words[index + 1], password: words[index + 2]) else {
                    return RedisReply.wrongPassword
                }
                authenticated = probe.isAuthenticated
                index += 3
            case "SETNAME" where index + 1 < words.count:
                guard let valid = Self.clientName(words[index + 1]) else {
                    return .error("ERR Client names cannot contain spaces, newlines or special characters.")
                }
                name = valid
                index += 2
            default:
                return .error("ERR Syntax error in HELLO option '\(String(buffer: words[index]))'")
            }
        }
        guard authenticated else {
            return .error("NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO <proto> AUTH <user> <pass> option can be used to authenticate the client and select the RESP protocol version at the same time")
        }
        session.isAuthenticated = true
        session.version = version
        if let name {
            session.name = name
        }
        return .map([
            .init(.bulkString("server"), .bulkString("infinicache")),
            .init(.bulkString("version"), .bulkString(Self.redisCompatibleVersion)),
            .init(.bulkString("proto"), .integer(Int64(version.rawValue))),
            .init(.bulkString("id"), .integer(session.id)),
            .init(.bulkString("mode"), .bulkString("standalone")),
            .init(.bulkString("role"), .bulkString("master")),
            .init(.bulkString("modules"), .array([])),
        ])
    }

    /// The Redis version whose commands and replies the endpoint follows.
    static let redisCompatibleVersion = "7.0.0"

    /// `CLIENT SETNAME | GETNAME | ID | SETINFO`.
    static func client(_ session: inout RESPSession, _ words: [ByteBuffer]) -> RESPValue {
        let subcommand = words[1].uppercasedName
        switch (subcommand, words.count) {
        case ("SETNAME", 3):
            guard let name = Self.clientName(words[2]) else {
                return .error("ERR Client names cannot contain spaces, newlines or special characters.")
            }
            session.name = name.isEmpty ? nil : name
            return .ok
        case ("GETNAME", 2):
            return .bulkString(session.name.map { ByteBuffer(string: $0) })
        case ("ID", 2):
            return .integer(session.id)
        case ("SETINFO", 4):
            return .ok
        case ("SETNAME", _), ("GETNAME", _), ("ID", _), ("SETINFO", _):
            return RedisReply.wrongArity("client|\(subcommand.lowercased())")
        default:
            return RedisReply.unknownSubcommand(words[1], of: "client")
        }
    }

    /// A client name as Redis accepts it: printable ASCII without spaces.
    private static func clientName(_ bytes: ByteBuffer) -> String? {
        bytes.readableBytesView.allSatisfy({ (0x21...0x7E).contains($0) }) ? String(buffer: bytes) : nil
    }
}
