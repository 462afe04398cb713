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
    private let limits: RESPParser.Limits
    private let limitsBeforeAuthentication: RESPParser.Limits
    private let isAuthenticated: @Sendable () -> Bool
    private let decoded: @Sendable (RESPParser.CommandPart) -> Void

    /// Creates a decoder of commands within `limits` that streams last arguments of
    /// `threshold` bytes or more. Until `isAuthenticated` returns true, the (smaller)
    /// `limitsBeforeAuthentication` apply instead, so that a client that has not
    /// authenticated cannot make the server hold much (Redis allows such a client 10
    /// arguments of 16 KiB). `decoded` sees each part as it is passed on, before the next
    /// is read: a server that pipelines reads tells from it that an `AUTH` is on its way.
    public init(
        limits: RESPParser.Limits = .default,
        streamingFrom threshold: Int,
        limitsBeforeAuthentication: RESPParser.Limits? = nil,
        isAuthenticated: @escaping @Sendable () -> Bool = { true },
        decoded: @escaping @Sendable (RESPParser.CommandPart) -> Void = { _ in }
    ) {
        self.parser = RESPParser(mode: .commands, limits: limits)
        self.threshold = threshold
        self.limits = limits
        self.limitsBeforeAuthentication = limitsBeforeAuthentication ?? limits
        self.isAuthenticated = isAuthenticated
        self.decoded = decoded
    }

    public mutating func decode(buffer: inout ByteBuffer) throws -> RESPParser.CommandPart? {
        let authenticated = self.isAuthenticated()
        self.parser.limits = authenticated ? self.limits : self.limitsBeforeAuthentication
        do {
            let part = try self.parser.nextCommandPart(from: &buffer, streamingFrom: self.threshold)
            part.map(self.decoded)
            return part
        } catch {
            // Redis's words for a length refused only because the client has not authenticated.
            guard !authenticated, error.code == .invalidLength, error.message.hasPrefix("invalid ") else { throw error }
            throw RESPError(.invalidLength, "unauthenticated " + error.message.dropFirst("invalid ".count))
        }
    }

    public mutating func decodeLast(buffer: inout ByteBuffer, seenEOF: Bool) throws -> RESPParser.CommandPart? {
        try self.decode(buffer: &buffer)
    }
}
