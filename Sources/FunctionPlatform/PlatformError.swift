/// Why a function platform could not do what was asked.
public struct PlatformError: Error, Sendable, CustomStringConvertible {
    /// What went wrong, independent of the message text.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Value: Hashable, Sendable {
            case unknownFunction
            case invocationFailed
            case launcherUnavailable
        }

        private let value: Value
        private init(_ value: Value) { self.value = value }

        /// No function of that name is deployed.
        public static let unknownFunction = Code(.unknownFunction)
        /// The platform could not start or reach an instance.
        public static let invocationFailed = Code(.invocationFailed)
        /// The platform's means of starting instances cannot work: an executable it needs
        /// is missing, or a port it needs cannot be bound.
        public static let launcherUnavailable = Code(.launcherUnavailable)

        public var description: String {
            switch self.value {
            case .unknownFunction: "unknown function"
            case .invocationFailed: "invocation failed"
            case .launcherUnavailable: "launcher unavailable"
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
