/// An error thrown by the erasure-coding module: a ``Code`` that callers can switch on,
/// and a message that says which input was wrong.
public struct ErasureCodingError: Error, Hashable, Sendable, CustomStringConvertible {
    /// What went wrong, independent of the message text.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Value: Hashable, Sendable {
            case invalidParameters
            case notEnoughChunks
            case chunkLengthMismatch
            case duplicateChunkIndex
            case chunkIndexOutOfRange
            case layoutMismatch
            case bufferSizeMismatch
            case objectTooLarge
        }

        private let value: Value

        private init(_ value: Value) {
            self.value = value
        }

        /// k, r or the maximum chunk length is out of range (1 <= k, 0 <= r, k + r <= 255,
        /// 1 <= max chunk length <= ``StripeLayout/maximumChunkLength``).
        public static let invalidParameters = Code(.invalidParameters)
        /// Fewer than k chunks were supplied, or a full set was required and chunks are missing.
        public static let notEnoughChunks = Code(.notEnoughChunks)
        /// Chunks of one stripe differ in length, or do not have the stripe's chunk length.
        public static let chunkLengthMismatch = Code(.chunkLengthMismatch)
        /// Two chunks claim the same index.
        public static let duplicateChunkIndex = Code(.duplicateChunkIndex)
        /// A chunk index is not in `0 ..< k + r`.
        public static let chunkIndexOutOfRange = Code(.chunkIndexOutOfRange)
        /// A layout or stripe was made for a different (k, r) or object than the one given.
        public static let layoutMismatch = Code(.layoutMismatch)
        /// A caller-provided output buffer does not have the required size.
        public static let bufferSizeMismatch = Code(.bufferSizeMismatch)
        /// The object does not fit the API's size limits (for example a ByteBuffer's 4 GiB).
        public static let objectTooLarge = Code(.objectTooLarge)

        public var description: String {
            switch self.value {
            case .invalidParameters: "invalid parameters"
            case .notEnoughChunks: "not enough chunks"
            case .chunkLengthMismatch: "chunk length mismatch"
            case .duplicateChunkIndex: "duplicate chunk index"
            case .chunkIndexOutOfRange: "chunk index out of range"
            case .layoutMismatch: "layout mismatch"
            case .bufferSizeMismatch: "buffer size mismatch"
            case .objectTooLarge: "object too large"
            }
        }
    }

    /// The kind of failure.
    public var code: Code
    /// A human-readable explanation naming the offending value.
    public var message: String

    /// Creates an error with a code and a message.
    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String {
        "\(self.code): \(self.message)"
    }
}
