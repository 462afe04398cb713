/// Why a function platform could not do what was asked.
public struct PlatformError: Error, Sendable, CustomStringConvertible {
    /// What went wrong, independent of the message text.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Value: Hashable, Sendable {
            case unknownFunction
            case invocationFailed
        }

        private let value: Value
        private init(_ value: Value) { self.value = value }

        /// No function of that name is deployed.
        public static let unknownFunction = Code(.unknownFunction)
        /// The platform could not start or reach an instance.
        public static let invocationFailed = Code(.invocationFailed)

        public var description: String {
            switch self.value {
            case .unknownFunction: "unknown function"
            case .invocationFailed: "invocation failed"
            }
        }
    }

    /// The kind of failure.
    public var code: Code
    /// What happened, for people.
    public var message: String

    /// Creates an error.
    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "\(self.code): \(self.message)" }
}
