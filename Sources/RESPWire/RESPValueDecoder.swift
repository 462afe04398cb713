public import NIOCore

/// A ``RESPParser`` as a channel decoder: put it in a `ByteToMessageHandler` and the
/// handler after it receives one ``RESPValue`` per value (or command) that arrives.
/// Parse errors are thrown as ``RESPError`` into the pipeline.
public struct RESPValueDecoder: NIOSingleStepByteToMessageDecoder {
    public typealias InboundOut = RESPValue

    private var parser: RESPParser

    /// Creates a decoder of values or commands within `limits`.
    public init(mode: RESPParser.Mode, limits: RESPParser.Limits = .default) {
        self.parser = RESPParser(mode: mode, limits: limits)
    }

    public mutating func decode(buffer: inout ByteBuffer) throws -> RESPValue? {
        try self.parser.next(from: &buffer)
    }

    public mutating func decodeLast(buffer: inout ByteBuffer, seenEOF: Bool) throws -> RESPValue? {
        try self.parser.next(from: &buffer)
    }
}

/// A ``RESPParser`` reading commands as a channel decoder, passing the last argument of a
/// command on in parts when it is large (``RESPParser/nextCommandPart(from:streamingFrom:)``).
public struct RESPCommandDecoder: NIOSingleStepByteToMessageDecoder {
    public typealias InboundOut = RESPParser.CommandPart

    private var parser: RESPParser
    private let threshold: Int

    /// Creates a decoder of commands within `limits` that streams last arguments of
    /// `threshold` bytes or more.
    public init(limits: RESPParser.Limits = .default, streamingFrom threshold: Int) {
        self.parser = RESPParser(mode: .commands, limits: limits)
        self.threshold = threshold
    }

    public mutating func decode(buffer: inout ByteBuffer) throws -> RESPParser.CommandPart? {
        try self.parser.nextCommandPart(from: &buffer, streamingFrom: self.threshold)
    }

    public mutating func decodeLast(buffer: inout ByteBuffer, seenEOF: Bool) throws -> RESPParser.CommandPart? {
        try self.parser.nextCommandPart(from: &buffer, streamingFrom: self.threshold)
    }
}
