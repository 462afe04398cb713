/// Why a trace could not be read.
public struct TraceError: Error, Sendable, CustomStringConvertible {
    /// The kind of failure.
    public enum Code: Sendable, Hashable {
        /// The file could not be opened or read.
        case unreadable
        /// The file is gzip-compressed but does not decompress, or decompresses to more
        /// than the limit.
        case badCompression
        /// The file is not CSV of a known format (a registry trace's header, or
        /// `seconds,key,size[,op]` rows).
        case unknownFormat
        /// A row is malformed, and the reader is strict.
        case malformedRow
        /// The file holds no request.
        case empty
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

    public var description: String { "trace error (\(self.code)): \(self.message)" }
}
