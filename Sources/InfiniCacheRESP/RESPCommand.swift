import NIOCore
import RESPWire

/// One command the endpoint serves: its name, arity and key positions as `COMMAND`
/// reports them (Redis's conventions: a negative arity is a minimum, the name counted), and
/// what it does.
struct RESPCommand: Sendable {
    typealias Run = @Sendable (RESPCommandExecutor, inout RESPSession, [ByteBuffer]) async throws -> RESPValue

    /// Lower case, as Redis names commands in replies.
    let name: String
    let arity: Int
    let flags: [String]
    let firstKey: Int
    let lastKey: Int
    let keyStep: Int
    let run: Run

    init(_ name: String, arity: Int, flags: [String], keys: (first: Int, last: Int, step: Int) = (0, 0, 0), run: @escaping Run) {
        self.name = name
        self.arity = arity
        self.flags = flags
        self.firstKey = keys.first
        self.lastKey = keys.last
        self.keyStep = keys.step
        self.run = run
    }

    /// Whether `count` words (the name included) suit the arity.
    func accepts(wordCount count: Int) -> Bool {
        self.arity >= 0 ? count == self.arity : count >= -self.arity
    }

    /// The command's entry in the reply to `COMMAND` / `COMMAND INFO`, as Redis 7 shapes it.
    var info: RESPValue {
        .array([
            .bulkString(self.name), .integer(Int64(self.arity)), .set(self.flags.map { .simpleString($0) }),
            .integer(Int64(self.firstKey)), .integer(Int64(self.lastKey)), .integer(Int64(self.keyStep)),
            .set([]), .set([]), .array([]), .array([]),
        ])
    }
}
