import NIOCore

/// The body of a ``Opcode/hello`` frame: a cache node introducing itself to the proxy it
/// dialled.
///
/// Payload layout (little-endian): instance id (8 bytes), memory capacity in bytes (8),
/// function id length (2) and UTF-8 bytes, token length (2) and bytes.
public struct HelloMessage: Sendable, Hashable {
    /// The serverless function this node is an instance of.
    public var functionID: String
    /// Distinguishes concurrent instances of one function (a primary and its backup).
    public var instanceID: UInt64
    /// Bytes of chunk payload the node is willing to hold.
    public var memoryCapacity: UInt64
    /// The shared secret the proxy expects from its nodes.
    public var token: [UInt8]

    /// Creates a hello message.
    public init(functionID: String, instanceID: UInt64, memoryCapacity: UInt64, token: [UInt8]) {
        self.functionID = functionID
        self.instanceID = instanceID
        self.memoryCapacity = memoryCapacity
        self.token = token
    }

    /// A `hello` frame carrying this message, with request id 0.
    public func frame() -> Frame {
        let functionID = Array(self.functionID.utf8)
        var payload = ByteBuffer()
        payload.writeMultipleIntegers(self.instanceID, self.memoryCapacity, endianness: .little)
        payload.writeInteger(UInt16(truncatingIfNeeded: functionID.count), endianness: .little)
        payload.writeBytes(functionID.prefix(Int(UInt16.max)))
        payload.writeInteger(UInt16(truncatingIfNeeded: self.token.count), endianness: .little)
        payload.writeBytes(self.token.prefix(Int(UInt16.max)))
        return Frame(.hello, payload: payload)
    }

    /// Reads the message from a `hello` frame.
    ///
    /// - Throws: ``WireError/Code-swift.struct/malformedMessage`` if the frame is not a
    ///   hello or its payload does not hold one exactly.
    public init(from frame: Frame) throws(WireError) {
        guard frame.opcode == .hello else {
            throw WireError(.malformedMessage, "expected a hello frame, got \(frame.opcode)")
        }
        var payload = frame.payload
        guard
            let (instanceID, capacity) = payload.readMultipleIntegers(endianness: .little, as: (UInt64, UInt64).self),
            let functionLength = payload.readInteger(endianness: .little, as: UInt16.self),
            let functionBytes = payload.readBytes(length: Int(functionLength)),
            let functionID = String(validating: functionBytes, as: UTF8.self),
            let tokenLength = payload.readInteger(endianness: .little, as: UInt16.self),
            let token = payload.readBytes(length: Int(tokenLength)),
            payload.readableBytes == 0
        else {
            throw WireError(.malformedMessage, "hello payload of \(frame.payload.readableBytes) bytes is not a valid hello message")
        }
        self.init(functionID: functionID, instanceID: instanceID, memoryCapacity: capacity, token: token)
    }
}
