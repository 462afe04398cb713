import NIOCore

/// The body of an ``Opcode/error`` frame: a code the requester can act on and a message
/// for people.
///
/// Payload layout: code (2 bytes, little-endian), then the message as UTF-8.
public struct ErrorMessage: Sendable, Hashable, Error, CustomStringConvertible {
    /// Why a request failed, as carried on the wire. Codes this version does not know are
    /// kept as their raw value, so a newer peer's errors still reach the caller.
    public struct Code: RawRepresentable, Sendable, Hashable, CustomStringConvertible {
        public let rawValue: UInt16

        public init(rawValue: UInt16) {
            self.rawValue = rawValue
        }

        /// The request is not valid for its opcode (for example a missing key).
        public static let badRequest = Code(rawValue: 1)
        /// The request's payload failed its CRC-32C check at the receiver.
        public static let checksumMismatch = Code(rawValue: 2)
        /// The hello's token was not accepted.
        public static let unauthorized = Code(rawValue: 3)
        /// The connection already has the maximum number of requests in flight.
        public static let overloaded = Code(rawValue: 4)
        /// The node cannot hold the chunk within its memory cap.
        public static let capacityExceeded = Code(rawValue: 5)
        /// The peer sent bytes that are not a valid frame; the connection is closed after this.
        public static let protocolViolation = Code(rawValue: 6)
        /// The responder failed for a reason of its own.
        public static let internalError = Code(rawValue: 7)
        /// The responder is shutting down or does not serve this kind of request.
        public static let unavailable = Code(rawValue: 8)
        /// Fewer than k chunks of some stripe of the object can be reached: it is gone.
        public static let objectLost = Code(rawValue: 9)
        /// A field of the request exceeds a limit of the receiver (a key too long, an
        /// object of too many stripes): that request is refused, the connection stays.
        public static let limitExceeded = Code(rawValue: 10)

        public var description: String {
            switch self {
            case .badRequest: "bad request"
            case .checksumMismatch: "checksum mismatch"
            case .unauthorized: "unauthorized"
            case .overloaded: "overloaded"
            case .capacityExceeded: "capacity exceeded"
            case .protocolViolation: "protocol violation"
            case .internalError: "internal error"
            case .unavailable: "unavailable"
            case .objectLost: "object lost"
            case .limitExceeded: "limit exceeded"
            default: "error \(self.rawValue)"
            }
        }
    }

    /// What went wrong.
    public var code: Code
    /// An explanation for people.
    public var message: String

    /// Creates an error message.
    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String {
        "\(self.code): \(self.message)"
    }

    /// An `error` frame answering the request `requestID` with this message.
    public func frame(requestID: UInt64) -> Frame {
        var payload = ByteBuffer()
        payload.writeInteger(self.code.rawValue, endianness: .little)
        payload.writeString(self.message)
        return Frame(.error, requestID: requestID, payload: payload)
    }

    /// Reads the message from an `error` frame.
    ///
    /// - Throws: ``WireError/Code-swift.struct/malformedMessage`` if the frame is not an
    ///   error or its payload is shorter than the code. The message text is decoded
    ///   leniently (invalid UTF-8 is replaced), since it is only for people.
    public init(from frame: Frame) throws(WireError) {
        var payload = frame.payload
        guard frame.opcode == .error,
            let code = payload.readInteger(endianness: .little, as: UInt16.self),
            let message = payload.readString(length: payload.readableBytes)
        else {
            throw WireError(.malformedMessage, "\(frame.opcode) frame with \(frame.payload.readableBytes) payload bytes is not an error message")
        }
        self.init(Code(rawValue: code), message)
    }
}
