/// An error from the cache client, with a ``Code`` to switch on.
public struct InfiniCacheError: Error, Sendable, CustomStringConvertible {
    /// What went wrong, independent of the message text.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Value: Hashable, Sendable {
            case notFound, objectLost, timedOut, proxyUnreachable, protocolError, rejected
        }

        private let value: Value

        private init(_ value: Value) {
            self.value = value
        }

        /// The key is not cached (only thrown where a value is required, such as a stream).
        public static let notFound = Code(.notFound)
        /// Fewer than k chunks of some stripe could be read: the object is gone.
        public static let objectLost = Code(.objectLost)
        /// The operation did not finish within the configured timeout.
        public static let timedOut = Code(.timedOut)
        /// The proxy could not be reached, or its connection failed.
        public static let proxyUnreachable = Code(.proxyUnreachable)
        /// The proxy answered with something this client does not understand.
        public static let protocolError = Code(.protocolError)
        /// The proxy refused the request (for example an object larger than the cache).
        public static let rejected = Code(.rejected)

        public var description: String {
            switch self.value {
            case .notFound: "not found"
            case .objectLost: "object lost"
            case .timedOut: "timed out"
            case .proxyUnreachable: "proxy unreachable"
            case .protocolError: "protocol error"
            case .rejected: "rejected"
            }
        }
    }

    /// The kind of failure.
    public var code: Code
    /// A human-readable explanation.
    public var message: String
    /// The underlying error, if any.
    public var cause: (any Error)?

    /// Creates an error.
    public init(_ code: Code, _ message: String, cause: (any Error)? = nil) {
        self.code = code
        self.message = message
        self.cause = cause
    }

    public var description: String {
        self.cause.map { "\(self.code): \(self.message) (\($0))" } ?? "\(self.code): \(self.message)"
    }
}
