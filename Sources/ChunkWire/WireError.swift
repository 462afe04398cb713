/// An error in a frame: malformed bytes, a limit exceeded, or a payload whose checksum does
/// not match. Errors other than ``Code-swift.struct/checksumMismatch`` and
/// ``Code-swift.struct/malformedMessage`` mean the byte stream can no longer be trusted
/// to be in step, so a connection that sees one is closed.
public struct WireError: Error, Hashable, Sendable, CustomStringConvertible {
    /// What went wrong, independent of the message text.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Value: Hashable, Sendable {
            case badMagic
            case unsupportedVersion
            case unknownOpcode
            case reservedBitsSet
            case keyTooLong
            case payloadTooLarge
            case truncatedFrame
            case stalledFrame
            case checksumMismatch
            case malformedMessage
        }

        private let value: Value

        private init(_ value: Value) {
            self.value = value
        }

        /// The first four bytes are not the format's magic number.
        public static let badMagic = Code(.badMagic)
        /// The header's version is not one this receiver speaks.
        public static let unsupportedVersion = Code(.unsupportedVersion)
        /// The header's opcode is not defined in this version.
        public static let unknownOpcode = Code(.unknownOpcode)
        /// An undefined flag bit or a reserved header byte is not zero.
        public static let reservedBitsSet = Code(.reservedBitsSet)
        /// The key is longer than ``WireLimits/maximumKeyLength``.
        public static let keyTooLong = Code(.keyTooLong)
        /// The payload is longer than ``WireLimits/maximumPayloadLength``.
        public static let payloadTooLarge = Code(.payloadTooLarge)
        /// The stream ended in the middle of a frame.
        public static let truncatedFrame = Code(.truncatedFrame)
        /// A frame begun did not arrive whole within the receiver's frame timeout.
        public static let stalledFrame = Code(.stalledFrame)
        /// The payload's CRC-32C differs from the header's; the frame's payload is not usable.
        public static let checksumMismatch = Code(.checksumMismatch)
        /// A well-framed payload does not hold the message its opcode promises.
        public static let malformedMessage = Code(.malformedMessage)

        public var description: String {
            switch self.value {
            case .badMagic: "bad magic"
            case .unsupportedVersion: "unsupported version"
            case .unknownOpcode: "unknown opcode"
            case .reservedBitsSet: "reserved bits set"
            case .keyTooLong: "key too long"
            case .payloadTooLarge: "payload too large"
            case .truncatedFrame: "truncated frame"
            case .stalledFrame: "stalled frame"
            case .checksumMismatch: "checksum mismatch"
            case .malformedMessage: "malformed message"
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
