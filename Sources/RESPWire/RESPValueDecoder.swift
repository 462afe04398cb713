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
