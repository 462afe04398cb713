/// An error from a frame transport: the request could not be completed because of the
/// connection, not because the responder answered with an error frame.
public struct TransportError: Error, Sendable, CustomStringConvertible {
    /// What went wrong, independent of the message text.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Value: Hashable, Sendable {
            case connectionClosed
            case timedOut
            case rejected
            case protocolViolation
            case connectFailed
        }

        private let value: Value

        private init(_ value: Value) {
            self.value = value
        }

        /// The connection closed (or was closed) before the request completed.
        public static let connectionClosed = Code(.connectionClosed)
        /// The peer stopped answering: no bytes arrived within the liveness timeout, or
        /// the handshake did not finish in time.
        public static let timedOut = Code(.timedOut)
        /// The proxy refused the node's hello (for example a wrong token).
        public static let rejected = Code(.rejected)
        /// The peer sent bytes that are not valid frames; the connection was closed.
        public static let protocolViolation = Code(.protocolViolation)
        /// Could not connect to, or bind, the address given.
        public static let connectFailed = Code(.connectFailed)

        public var description: String {
            switch self.value {
            case .connectionClosed: "connection closed"
            case .timedOut: "timed out"
            case .rejected: "rejected"
            case .protocolViolation: "protocol violation"
            case .connectFailed: "connect failed"
            }
        }
    }

    /// The kind of failure.
    public var code: Code
    /// A human-readable explanation.
    public var message: String
    /// The underlying error, when there is one (for example a ``WireError``).
    public var cause: (any Error)?

    /// Creates an error.
    public init(_ code: Code, _ message: String, cause: (any Error)? = nil) {
        self.code = code
        self.message = message
        self.cause = cause
    }

    public var description: String {
        if let cause = self.cause {
            return "\(self.code): \(self.message) (\(cause))"
        }
        return "\(self.code): \(self.message)"
    }
}
