public import NIOCore

/// Reads RESP values from the front of a byte buffer, one at a time, as their bytes
/// arrive. It resumes where it stopped: a value's elements are consumed as each one is
/// complete, so an aggregate sent in many small reads costs time in proportion to its
/// bytes, and only a bulk string still arriving stays in the buffer.
///
/// In ``Mode-swift.enum/commands`` mode it reads what a client sends a server: arrays of
/// bulk strings, or inline commands (a line of words, as typed into telnet), and rejects
/// anything else as Redis does.
public struct RESPParser: Sendable {
    /// Bounds on what one value may announce, checked before its bytes are awaited.
    public struct Limits: Hashable, Sendable {
        /// The longest bulk string, in bytes. Redis's `proto-max-bulk-len` default: 512 MiB.
        public var maximumBulkLength: Int
        /// The most elements of one array, set or push, or pairs of one map.
        public var maximumAggregateLength: Int
        /// How deep aggregates may nest (a command is depth 1).
        public var maximumDepth: Int
        /// The longest line: a simple string, an error, a number or an inline command.
        /// Redis's inline limit: 64 KiB.
        public var maximumLineLength: Int
        /// In command mode, the most bytes of bulk strings one command may hold while it
        /// arrives (a last argument streamed in parts is not held, and does not count).
        /// Redis's `client-query-buffer-limit` default: 1 GiB.
        public var maximumCommandLength: Int

        /// Creates limits; every one must be positive.
        public init(
            maximumBulkLength: Int = 512 << 20,
            maximumAggregateLength: Int = 1 << 20,
            maximumDepth: Int = 32,
            maximumLineLength: Int = 64 << 10,
            maximumCommandLength: Int = 1 << 30
        ) {
            precondition(
                maximumBulkLength > 0 && maximumAggregateLength > 0 && maximumDepth > 0 && maximumLineLength > 0 && maximumCommandLength > 0,
                "RESP limits must be positive"
            )
            self.maximumBulkLength = maximumBulkLength
            self.maximumAggregateLength = maximumAggregateLength
            self.maximumDepth = maximumDepth
            self.maximumLineLength = maximumLineLength
            self.maximumCommandLength = maximumCommandLength
        }

        /// Redis's defaults.
        public static let `default` = Limits()
    }

    /// What the parser accepts.
    public enum Mode: Hashable, Sendable {
        /// Any RESP2 or RESP3 value: what a server answers.
        case values
        /// Commands: arrays of bulk strings, or inline commands. Each is returned as an
        /// ``RESPValue/array(_:)`` of ``RESPValue/bulkString(_:)-swift.enum.case`` (empty for a
        /// blank line or `*0`, which a server ignores).
        case commands
    }

    private enum AggregateKind: Sendable {
        case array, set, map, push
    }

    /// An aggregate whose elements are still arriving.
    private struct Partial: Sendable {
        var kind: AggregateKind
        var remaining: Int
        var elements: [RESPValue]
        /// Bytes of the bulk strings among `elements`.
        var bytes = 0
    }

    /// What one header line or scalar parsed to.
    private enum Token {
        case value(RESPValue)
        case aggregate(AggregateKind, count: Int)
    }

    /// One step of reading commands with ``nextCommandPart(from:streamingFrom:)``.
    public enum CommandPart: Hashable, Sendable {
        /// A whole command: its words.
        case command([ByteBuffer])
        /// A command whose last argument is large: the words before it, and its length.
        /// Its bytes follow as ``argumentBytes(_:)``, then ``argumentEnd``.
        case streamedCommand([ByteBuffer], argumentLength: Int)
        /// The next bytes of a streamed argument.
        case argumentBytes(ByteBuffer)
        /// A streamed argument is complete (its CR LF has arrived).
        case argumentEnd
    }

    /// The parser's limits; they may change between calls (a server raises them once its
    /// client has authenticated), and apply to what is read from then on.
    public var limits: Limits
    /// What the parser accepts.
    public let mode: Mode
    private var open: [Partial] = []
    /// Bytes of a streamed argument still to come; 0 while its CR LF is awaited.
    private var streamRemaining: Int?

    /// Creates a parser with nothing read yet.
    public init(mode: Mode = .values, limits: Limits = .default) {
        self.mode = mode
        self.limits = limits
    }

    /// Consumes and returns the next complete value at the front of `buffer`, or returns
    /// nil once what is left is only part of a value (its complete elements consumed
    /// and kept for the next call). Bulk strings are slices of `buffer`: no bytes are copied.
    ///
    /// - Throws: ``RESPError`` when the bytes are not RESP (or, in command mode, not a
    ///   command) or announce more than ``limits`` allow; the parser and the stream are
    ///   unusable afterwards.
    public mutating func next(from buffer: inout ByteBuffer) throws(RESPError) -> RESPValue? {
        while true {
            switch try self.step(from: &buffer) {
            case .incomplete: return nil
            case .progress: continue
            case .complete(let value): return value
            }
        }
    }

    /// What reading one token did.
    private enum Step {
        /// The token has not arrived whole: nothing was consumed.
        case incomplete
        /// The token was consumed; the outermost value is not complete yet.
        case progress
        /// The token completed the outermost value.
        case complete(RESPValue)
    }

    /// Reads one token from the front of `buffer`.
    private mutating func step(from buffer: inout ByteBuffer) throws(RESPError) -> Step {
        var probe = buffer
        guard let token = try self.token(from: &probe) else {
            return .incomplete
        }
        buffer = probe
        switch token {
        case .value(let value):
            return self.append(value).map(Step.complete) ?? .progress
        case .aggregate(let kind, let count):
            guard self.open.count < self.limits.maximumDepth else {
                throw RESPError(.tooDeep, "aggregates nested deeper than \(self.limits.maximumDepth)")
            }
            if count == 0 {
                return self.append(Self.aggregate(kind, [])).map(Step.complete) ?? .progress
            }
            let elements = kind == .map ? count * 2 : count
            var partial = Partial(kind: kind, remaining: elements, elements: [])
            partial.elements.reserveCapacity(min(elements, 1024))
            self.open.append(partial)
            return .progress
        }
    }

    /// Consumes and returns the next part of a command at the front of `buffer` (command
    /// mode only): a whole command, or — when a command's last argument announces
    /// `threshold` bytes or more — the words before it, then its bytes in the parts they
    /// arrive in, then its end. A large value is passed on while it arrives instead of
    /// waiting in the buffer whole (only the last argument streams, as in `SET key value`
    /// or `redis-cli -x`). Returns nil once what is left is only part of a step.
    ///
    /// - Throws: ``RESPError`` as ``next(from:)`` does.
    public mutating func nextCommandPart(from buffer: inout ByteBuffer, streamingFrom threshold: Int) throws(RESPError) -> CommandPart? {
        precondition(self.mode == .commands, "command parts are read in command mode")
        if let remaining = self.streamRemaining {
            guard remaining == 0 else {
                guard buffer.readableBytes > 0 else { return nil }
                let count = min(remaining, buffer.readableBytes)
                self.streamRemaining = remaining - count
                return .argumentBytes(buffer.readSlice(length: count)!)
            }
            guard buffer.readableBytes >= 2 else { return nil }
            guard buffer.readInteger(as: UInt16.self) == UInt16(0x0D0A) else {
                throw RESPError(.missingLineEnd, "a bulk string not followed by CR LF")
            }
            self.streamRemaining = nil
            return .argumentEnd
        }
        while true {
            // Before each token: is it the header of a large last argument?
            if self.open.count == 1, self.open[0].remaining == 1, buffer.getInteger(at: buffer.readerIndex, as: UInt8.self) == UInt8(ascii: "$") {
                var probe = buffer
                probe.moveReaderIndex(forwardBy: 1)
                if let line = try self.line(from: &probe), let length = try? Self.integer(line), length >= threshold, length <= self.limits.maximumBulkLength {
                    buffer = probe
                    self.streamRemaining = Int(length)
                    return .streamedCommand(Self.words(self.open.removeLast().elements), argumentLength: Int(length))
                }
            }
            switch try self.step(from: &buffer) {
            case .incomplete:
                return nil
            case .progress:
                continue
            case .complete(let command):
                guard case .array(let elements?) = command else {
                    return .command([])
                }
                return .command(Self.words(elements))
            }
        }
    }

    /// The bytes of a command's elements, which command mode makes bulk strings.
    private static func words(_ elements: [RESPValue]) -> [ByteBuffer] {
        var words: [ByteBuffer] = []
        words.reserveCapacity(elements.count)
        for case .bulkString(let word?) in elements {
            words.append(word)
        }
        return words
    }

    /// Adds a complete value to the innermost open aggregate; returns the outermost value
    /// once it is complete.
    private mutating func append(_ value: RESPValue) -> RESPValue? {
        var value = value
        while let last = self.open.indices.last {
            if case .bulkString(let bytes?) = value {
                self.open[last].bytes += bytes.readableBytes
            }
            self.open[last].elements.append(value)
            self.open[last].remaining -= 1
            guard self.open[last].remaining == 0 else {
                return nil
            }
            let finished = self.open.removeLast()
            value = Self.aggregate(finished.kind, finished.elements)
        }
        return value
    }

    private static func aggregate(_ kind: AggregateKind, _ elements: [RESPValue]) -> RESPValue {
        switch kind {
        case .array: .array(elements)
        case .set: .set(elements)
        case .push: .push(elements)
        case .map: .map(stride(from: 0, to: elements.count, by: 2).map { RESPValue.Pair(elements[$0], elements[$0 + 1]) })
        }
    }

    /// Reads one token, or returns nil (having read from `buffer` in vain) when it is not whole yet.
    private func token(from buffer: inout ByteBuffer) throws(RESPError) -> Token? {
        guard let type = buffer.getInteger(at: buffer.readerIndex, as: UInt8.self) else {
            return nil
        }
        if self.mode == .commands {
            return try self.commandToken(type, from: &buffer)
        }
        buffer.moveReaderIndex(forwardBy: 1)
        switch type {
        case UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: ":"), UInt8(ascii: "("), UInt8(ascii: ","), UInt8(ascii: "#"), UInt8(ascii: "_"):
            guard let line = try self.line(from: &buffer) else {
                return nil
            }
            return .value(try Self.scalar(type, line))
        case UInt8(ascii: "$"), UInt8(ascii: "!"), UInt8(ascii: "="):
            guard let body = try self.bulk(from: &buffer, allowsNull: type == UInt8(ascii: "$")) else {
                return nil
            }
            switch (type, body) {
            case (UInt8(ascii: "!"), let body?): return .value(.bulkError(String(buffer: body)))
            case (UInt8(ascii: "="), let body?): return .value(try Self.verbatim(body))
            default: return .value(.bulkString(body))
            }
        case UInt8(ascii: "*"): return try self.aggregate(.array, from: &buffer)
        case UInt8(ascii: "~"): return try self.aggregate(.set, from: &buffer)
        case UInt8(ascii: "%"): return try self.aggregate(.map, from: &buffer)
        case UInt8(ascii: ">"): return try self.aggregate(.push, from: &buffer)
        default: throw RESPError(.unexpectedType, "unexpected type byte \(Self.describe(type))")
        }
    }

    /// The value of a one-line type from its line's text.
    private static func scalar(_ type: UInt8, _ line: String) throws(RESPError) -> RESPValue {
        switch type {
        case UInt8(ascii: "+"): return .simpleString(line)
        case UInt8(ascii: "-"): return .error(line)
        case UInt8(ascii: ":"): return .integer(try Self.integer(line))
        case UInt8(ascii: "("): return .bigNumber(try Self.bigNumber(line))
        case UInt8(ascii: ","): return .double(try Self.double(line))
        case UInt8(ascii: "#"): return .boolean(try Self.boolean(line))
        default: return .null
        }
    }

    /// A command's tokens: its array header, then bulk strings; or an inline line.
    private func commandToken(_ type: UInt8, from buffer: inout ByteBuffer) throws(RESPError) -> Token? {
        if self.open.isEmpty {
            guard type == UInt8(ascii: "*") else {
                guard let command = try self.inlineCommand(from: &buffer) else {
                    return nil
                }
                return .value(command)
            }
            buffer.moveReaderIndex(forwardBy: 1)
            guard let line = try self.line(from: &buffer) else {
                return nil
            }
            guard let count = try? Self.integer(line), count <= Int64(self.limits.maximumAggregateLength) else {
                throw RESPError(.invalidLength, "invalid multibulk length")
            }
            // Redis ignores `*0` and `*-1` from a client.
            return count <= 0 ? .value(.array([])) : .aggregate(.array, count: Int(count))
        }
        guard type == UInt8(ascii: "$") else {
            throw RESPError(.unexpectedType, "expected '$', got \(Self.describe(type))")
        }
        buffer.moveReaderIndex(forwardBy: 1)
        let held = self.open.first?.bytes ?? 0
        guard let body = try self.bulk(from: &buffer, allowsNull: false, commandBytesLeft: self.limits.maximumCommandLength - held) else {
            return nil
        }
        return .value(.bulkString(body))
    }

    /// The text up to CR LF, consumed with it; nil if the CR LF has not arrived.
    private func line(from buffer: inout ByteBuffer) throws(RESPError) -> String? {
        let view = buffer.readableBytesView
        guard let cr = try self.lineEnd(UInt8(ascii: "\r"), in: view, tooLong: "a line longer than \(self.limits.maximumLineLength) bytes") else {
            return nil
        }
        guard cr + 1 < view.endIndex else {
            return nil
        }
        guard view[cr + 1] == UInt8(ascii: "\n") else {
            throw RESPError(.missingLineEnd, "CR not followed by LF")
        }
        guard !view[view.startIndex..<cr].contains(UInt8(ascii: "\n")) else {
            throw RESPError(.missingLineEnd, "a line holds a bare LF")
        }
        let text = buffer.readString(length: cr - view.startIndex)!
        buffer.moveReaderIndex(forwardBy: 2)
        return text
    }

    /// A bulk body after its `$`, `!` or `=`: the length line, the bytes and CR LF; nil
    /// (the outer Optional) until all have arrived, `.some(nil)` for RESP2's null.
    /// In command mode, `commandBytesLeft` is what the command being read may still hold.
    private func bulk(from buffer: inout ByteBuffer, allowsNull: Bool, commandBytesLeft: Int = .max) throws(RESPError) -> ByteBuffer?? {
        guard let line = try self.line(from: &buffer) else {
            return nil
        }
        guard let length = try? Self.integer(line), length >= -1, length <= Int64(self.limits.maximumBulkLength) else {
            throw RESPError(.invalidLength, "invalid bulk length")
        }
        guard length <= Int64(commandBytesLeft) else {
            throw RESPError(.invalidLength, "a command holding more than \(self.limits.maximumCommandLength) bytes")
        }
        if length == -1 {
            guard allowsNull else {
                throw RESPError(.invalidLength, "invalid bulk length")
            }
            return .some(nil)
        }
        guard buffer.readableBytes >= Int(length) + 2 else {
            return nil
        }
        let body = buffer.readSlice(length: Int(length))!
        guard buffer.readInteger(as: UInt16.self) == UInt16(0x0D0A) else {
            throw RESPError(.missingLineEnd, "a bulk string not followed by CR LF")
        }
        return .some(body)
    }

    private func aggregate(_ kind: AggregateKind, from buffer: inout ByteBuffer) throws(RESPError) -> Token? {
        guard let line = try self.line(from: &buffer) else {
            return nil
        }
        guard let count = try? Self.integer(line), count >= -1, count <= Int64(self.limits.maximumAggregateLength) else {
            throw RESPError(.invalidLength, "invalid multibulk length")
        }
        if count == -1 {
            guard kind == .array else {
                throw RESPError(.invalidLength, "invalid multibulk length")
            }
            return .value(.array(nil))
        }
        return .aggregate(kind, count: Int(count))
    }

    /// Where `end` first occurs within a line's length of the front of `view`; nil if not
    /// there yet.
    ///
    /// - Throws: ``RESPError/Code-swift.struct/lineTooLong`` with `tooLong` once more
    ///   than a line's length has arrived without it.
    private func lineEnd(_ end: UInt8, in view: ByteBufferView, tooLong: @autoclosure () -> String) throws(RESPError) -> Int? {
        let searched = view.prefix(self.limits.maximumLineLength + 1)
        guard let index = searched.firstIndex(of: end) else {
            if searched.count > self.limits.maximumLineLength {
                throw RESPError(.lineTooLong, tooLong())
            }
            return nil
        }
        return index
    }

    /// An inline command: words separated by spaces, with Redis's double and single quotes.
    private func inlineCommand(from buffer: inout ByteBuffer) throws(RESPError) -> RESPValue? {
        let view = buffer.readableBytesView
        guard let lf = try self.lineEnd(UInt8(ascii: "\n"), in: view, tooLong: "too big inline request") else {
            return nil
        }
        var line = Array(view[view.startIndex..<lf])
        if line.last == UInt8(ascii: "\r") {
            line.removeLast()
        }
        buffer.moveReaderIndex(to: lf + 1)
        return .array(try InlineCommand.words(line).map { .bulkString(ByteBuffer(bytes: $0)) })
    }

    static func integer(_ text: String) throws(RESPError) -> Int64 {
        guard let value = Int64(text) else {
            throw RESPError(.invalidNumber, "not an integer: \(text.prefix(32))")
        }
        return value
    }

    private static func bigNumber(_ text: String) throws(RESPError) -> String {
        let digits = text.first == "-" || text.first == "+" ? text.dropFirst() : Substring(text)
        guard !digits.isEmpty, digits.allSatisfy(\.isASCII), digits.allSatisfy(\.isNumber) else {
            throw RESPError(.invalidNumber, "not a big number: \(text.prefix(32))")
        }
        return text
    }

    private static func double(_ text: String) throws(RESPError) -> Double {
        guard let value = Double(text) else {
            throw RESPError(.invalidNumber, "not a double: \(text.prefix(32))")
        }
        return value
    }

    private static func boolean(_ text: String) throws(RESPError) -> Bool {
        switch text {
        case "t": return true
        case "f": return false
        default: throw RESPError(.invalidNumber, "not a boolean: \(text.prefix(32))")
        }
    }

    private static func verbatim(_ body: ByteBuffer) throws(RESPError) -> RESPValue {
        let view = body.readableBytesView
        guard view.count >= 4, view[view.startIndex + 3] == UInt8(ascii: ":"), view.prefix(3).allSatisfy({ (0x21...0x7E).contains($0) }) else {
            throw RESPError(.invalidLength, "a verbatim string without its format")
        }
        return .verbatimString(format: body.getString(at: body.readerIndex, length: 3)!, text: body.getString(at: body.readerIndex + 4, length: body.readableBytes - 4)!)
    }

    private static func describe(_ byte: UInt8) -> String {
        (0x21...0x7E).contains(byte) ? "'\(Character(Unicode.Scalar(byte)))'" : "0x\(String(byte, radix: 16))"
    }
}
