/// A byte stream that is not valid RESP, or exceeds a ``RESPParser/Limits``. The stream
/// can no longer be trusted to be in step, so a server that sees one replies with
/// ``replyText`` and closes the connection, as Redis does.
public struct RESPError: Error, Hashable, Sendable, CustomStringConvertible {
    /// What went wrong, independent of the message text.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Value: Hashable, Sendable {
            case unexpectedType
            case invalidLength
            case invalidNumber
            case missingLineEnd
            case lineTooLong
            case tooDeep
            case unbalancedQuotes
        }

        private let value: Value

        private init(_ value: Value) {
            self.value = value
        }

        /// A type byte this parser does not know, or a command element that is not a bulk string.
        public static let unexpectedType = Code(.unexpectedType)
        /// A length that is negative where null is not allowed, or above a limit.
        public static let invalidLength = Code(.invalidLength)
        /// An integer, double or boolean that does not parse.
        public static let invalidNumber = Code(.invalidNumber)
        /// A bulk value not followed by CR LF.
        public static let missingLineEnd = Code(.missingLineEnd)
        /// A line (or an inline command) longer than ``RESPParser/Limits/maximumLineLength``.
        public static let lineTooLong = Code(.lineTooLong)
        /// Aggregates nested deeper than ``RESPParser/Limits/maximumDepth``.
        public static let tooDeep = Code(.tooDeep)
        /// An inline command with an unterminated quote.
        public static let unbalancedQuotes = Code(.unbalancedQuotes)

        public var description: String {
            switch self.value {
            case .unexpectedType: "unexpected type"
            case .invalidLength: "invalid length"
            case .invalidNumber: "invalid number"
            case .missingLineEnd: "missing line end"
            case .lineTooLong: "line too long"
            case .tooDeep: "too deep"
            case .unbalancedQuotes: "unbalanced quotes"
            }
        }
    }

    /// The kind of failure.
    public var code: Code
    /// A human-readable explanation, in Redis's words where Redis has some.
    public var message: String

    /// Creates an error with a code and a message.
    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    /// The error reply Redis sends before closing: `ERR Protocol error: …`.
    public var replyText: String {
        "ERR Protocol error: \(self.message)"
    }

    public var description: String {
        "\(self.code): \(self.message)"
    }
}
