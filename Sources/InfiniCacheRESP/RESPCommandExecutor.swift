public import InfiniCacheClient
import NIOCore
import RESPWire
import Synchronization

/// Carries out RESP commands against the cache through an ``InfiniCacheClient`` (which
/// codes and decodes, as for any Swift client), with Redis's replies, errors and arity
/// rules. Free of sockets: ``RESPServer`` feeds it one command at a time per connection,
/// and tests call it directly.
public final class RESPCommandExecutor: Sendable {
    let client: InfiniCacheClient
    /// The password `AUTH` must give before any other command, if any.
    let password: [UInt8]?
    /// The endpoint's port, for `INFO`: set once the server has bound it.
    let boundPort: Atomic<Int>
    var port: Int { self.boundPort.load(ordering: .relaxed) }
    let startedAt = ContinuousClock.now
    let connectedClients = Atomic<Int>(0)
    let connectionsReceived = Atomic<Int>(0)
    let commandsProcessed = Atomic<Int>(0)
    private let nextClientID = Atomic<Int64>(1)

    /// Creates an executor over `client`; with a `password`, connections must
    /// authenticate (`AUTH` or `HELLO … AUTH`) first.
    public init(client: InfiniCacheClient, password: [UInt8]? = nil, port: Int = 0) {
        self.client = client
        self.password = password
        self.boundPort = Atomic(port)
    }

    /// Every command served, by upper-case name.
    static let commands: [String: RESPCommand] = Dictionary(
        uniqueKeysWithValues: (connectionCommands + stringCommands + keyCommands + serverCommands).map { ($0.name.uppercased(), $0) }
    )

    /// A new connection's session.
    func openSession() -> RESPSession {
        self.connectedClients.add(1, ordering: .relaxed)
        self.connectionsReceived.add(1, ordering: .relaxed)
        return RESPSession(id: self.nextClientID.add(1, ordering: .relaxed).oldValue, isAuthenticated: self.password == nil)
    }

    func closeSession(_ session: RESPSession) {
        self.connectedClients.subtract(1, ordering: .relaxed)
    }

    /// Counts a command for `INFO`'s `total_commands_processed`.
    func countCommand() {
        self.commandsProcessed.add(1, ordering: .relaxed)
    }

    /// What a command produced: a reply, or an object to send as a bulk string while it
    /// is read.
    enum Response: Sendable {
        case reply(RESPValue)
        case object(SizedObjectStream)
    }

    /// The response to `words`: a `GET` streams its object (its bulk header can go out
    /// once the proxy has described it, and each stripe as it is decoded); every other
    /// command replies as ``execute(_:session:)`` does.
    func respond(to words: [ByteBuffer], session: inout RESPSession) async -> Response {
        guard words.count == 2, session.isAuthenticated, words[0].uppercasedName == "GET" else {
            return .reply(await self.execute(words, session: &session))
        }
        self.countCommand()
        do {
            guard let object = try await self.client.openStream(words[1]) else {
                return .reply(.bulkString(nil))
            }
            return .object(object)
        } catch {
            return .reply(Self.reply(to: error))
        }
    }

    /// The reply to `words` (the command name first). Unknown commands, wrong arities and
    /// failures are error replies: the connection stays usable.
    func execute(_ words: [ByteBuffer], session: inout RESPSession) async -> RESPValue {
        self.countCommand()
        let name = words[0].uppercasedName
        guard let command = Self.commands[name] else {
            return RedisReply.unknownCommand(words)
        }
        guard command.accepts(wordCount: words.count) else {
            return RedisReply.wrongArity(command.name)
        }
        guard session.isAuthenticated || ["AUTH", "HELLO", "QUIT"].contains(name) else {
            return RedisReply.noAuth
        }
        do {
            return try await command.run(self, &session, words)
        } catch {
            return Self.reply(to: error)
        }
    }

    /// The error reply for a command that failed: Redis's words for a ``RedisReplyError``,
    /// `ERR` and the message otherwise.
    static func reply(to error: any Error) -> RESPValue {
        switch error {
        case let error as RedisReplyError: error.reply
        case let error as InfiniCacheError: .error("ERR \(error.message)")
        default: .error("ERR \(error)")
        }
    }
}
