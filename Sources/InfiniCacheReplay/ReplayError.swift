/// Why a replay could not run.
public struct ReplayError: Error, Sendable, CustomStringConvertible {
    /// The kind of failure.
    public enum Code: Sendable, Hashable {
        /// A setting is out of range.
        case invalidConfiguration
        /// The cache failed in a way a replay cannot count as a hit or a miss.
        case cacheFailed
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

    public var description: String { "replay error (\(self.code)): \(self.message)" }
}
