public import NIOCore

/// One value of the Redis serialization protocol (RESP): the five RESP2 types and the
/// RESP3 types a cache answers with. Specification: https://redis.io/docs/latest/develop/reference/protocol-spec/
public enum RESPValue: Hashable, Sendable {
    /// `+text`: a short status such as `OK`, without CR or LF.
    case simpleString(String)
    /// `-CODE text`: an error reply; the text starts with its code (`ERR`, `WRONGTYPE`, …).
    case error(String)
    /// `:n`: a signed 64-bit integer.
    case integer(Int64)
    /// `$n`: a binary-safe string, or RESP2's null bulk string (`$-1`) when nil.
    case bulkString(ByteBuffer?)
    /// `*n`: an ordered list, or RESP2's null array (`*-1`) when nil.
    case array([RESPValue]?)
    /// RESP3 `_`: null. Sent to a RESP2 connection as `$-1`.
    case null
    /// RESP3 `,`: a double. Sent to a RESP2 connection as a bulk string.
    case double(Double)
    /// RESP3 `#t` / `#f`. Sent to a RESP2 connection as the integer 1 or 0.
    case boolean(Bool)
    /// RESP3 `%n`: key–value pairs in order. Sent to a RESP2 connection as a flat array.
    case map([Pair])
    /// RESP3 `~n`: an unordered collection. Sent to a RESP2 connection as an array.
    case set([RESPValue])
    /// RESP3 `=n`: text with a three-letter format (`txt` or `mkd`). Sent to a RESP2
    /// connection as a bulk string of the text alone.
    case verbatimString(format: String, text: String)
    /// RESP3 `(n`: an integer of any size, as its decimal digits.
    case bigNumber(String)
    /// RESP3 `!n`: an error reply that may hold any bytes.
    case bulkError(String)
    /// RESP3 `>n`: out-of-band data such as a pub/sub message.
    case push([RESPValue])

    /// One entry of a ``map(_:)``.
    public struct Pair: Hashable, Sendable {
        /// The entry's key.
        public var key: RESPValue
        /// The entry's value.
        public var value: RESPValue

        /// Creates an entry.
        public init(_ key: RESPValue, _ value: RESPValue) {
            self.key = key
            self.value = value
        }
    }

    /// The reply `+OK`.
    public static let ok = RESPValue.simpleString("OK")

    /// A bulk string of `text`'s UTF-8 bytes.
    public static func bulkString(_ text: String) -> RESPValue {
        .bulkString(ByteBuffer(string: text))
    }

    /// An array of bulk strings: the shape of every command a client sends.
    public static func command(_ words: String...) -> RESPValue {
        .array(words.map { .bulkString($0) })
    }
}
