public import NIOCore

/// Writes RESP values for a connection of a given ``RESPVersion``: RESP3 types are sent
/// to a RESP2 connection as the RESP2 equivalents Redis uses. Simple strings and errors
/// never carry CR or LF (they are replaced by spaces), so a reply cannot break the stream.
public struct RESPEncoder: Sendable {
    /// The version of the connection written to.
    public var version: RESPVersion

    /// Bulk strings at least this long (64 KiB) are not copied: ``encode(_:into:)``
    /// passes them on as buffers of their own, between the header and the line end.
    public static let zeroCopyThreshold = 64 << 10

    /// Creates an encoder for a connection speaking `version`.
    public init(version: RESPVersion = .resp2) {
        self.version = version
    }

    /// `value`'s bytes in one buffer.
    public func encode(_ value: RESPValue) -> ByteBuffer {
        var output = Output(segments: [], current: ByteBuffer(), zeroCopy: false)
        self.write(value, to: &output)
        return output.current
    }

    /// Appends `value` to `output`: its small parts written into the last buffer, and
    /// each bulk string of ``zeroCopyThreshold`` bytes or more appended as the caller's
    /// buffer itself, so a large value is written to the socket without a copy.
    public func encode(_ value: RESPValue, into output: inout [ByteBuffer]) {
        var sink = Output(segments: [], current: output.popLast() ?? ByteBuffer(), zeroCopy: true)
        self.write(value, to: &sink)
        output += sink.segments
        output.append(sink.current)
    }

    /// Where ``write(_:to:)`` puts bytes: `current`, and with `zeroCopy` large bulk
    /// strings as segments of their own (after what `current` held, which starts again empty).
    private struct Output {
        var segments: [ByteBuffer]
        var current: ByteBuffer
        let zeroCopy: Bool
    }

    private func write(_ value: RESPValue, to output: inout Output) {
        switch value {
        case .simpleString(let text):
            Self.line("+", Self.oneLine(text), to: &output.current)
        case .error(let text):
            Self.line("-", Self.oneLine(text), to: &output.current)
        case .integer(let number):
            Self.line(":", String(number), to: &output.current)
        case .bulkString(nil), .null:
            output.current.writeStaticString(self.version == .resp2 ? "$-1\r\n" : "_\r\n")
        case .bulkString(let body?):
            Self.line("$", String(body.readableBytes), to: &output.current)
            if output.zeroCopy, body.readableBytes >= Self.zeroCopyThreshold {
                output.segments.append(output.current)
                output.segments.append(body)
                output.current = ByteBuffer()
            } else {
                output.current.writeImmutableBuffer(body)
            }
            output.current.writeStaticString("\r\n")
        case .array(nil):
            output.current.writeStaticString(self.version == .resp2 ? "*-1\r\n" : "_\r\n")
        case .array(let elements?):
            self.aggregate("*", elements, to: &output)
        case .double(let number):
            let text = Self.format(number)
            self.version == .resp2 ? self.write(.bulkString(text), to: &output) : Self.line(",", text, to: &output.current)
        case .boolean(let flag):
            self.version == .resp2 ? Self.line(":", flag ? "1" : "0", to: &output.current) : Self.line("#", flag ? "t" : "f", to: &output.current)
        case .map(let pairs):
            if self.version == .resp2 {
                self.aggregate("*", pairs.flatMap { [$0.key, $0.value] }, to: &output)
            } else {
                Self.line("%", String(pairs.count), to: &output.current)
                for pair in pairs {
                    self.write(pair.key, to: &output)
                    self.write(pair.value, to: &output)
                }
            }
        case .set(let elements):
            self.aggregate(self.version == .resp2 ? "*" : "~", elements, to: &output)
        case .push(let elements):
            self.aggregate(self.version == .resp2 ? "*" : ">", elements, to: &output)
        case .verbatimString(let format, let text):
            if self.version == .resp2 {
                self.write(.bulkString(text), to: &output)
            } else {
                let body = "\(format.prefix(3)):\(text)"
                Self.line("=", String(body.utf8.count), to: &output.current)
                output.current.writeString(body)
                output.current.writeStaticString("\r\n")
            }
        case .bigNumber(let digits):
            self.version == .resp2 ? self.write(.bulkString(digits), to: &output) : Self.line("(", digits, to: &output.current)
        case .bulkError(let text):
            if self.version == .resp2 {
                Self.line("-", Self.oneLine(text), to: &output.current)
            } else {
                Self.line("!", String(text.utf8.count), to: &output.current)
                output.current.writeString(text)
                output.current.writeStaticString("\r\n")
            }
        }
    }

    private func aggregate(_ type: String, _ elements: [RESPValue], to output: inout Output) {
        Self.line(type, String(elements.count), to: &output.current)
        for element in elements {
            self.write(element, to: &output)
        }
    }

    private static func line(_ type: String, _ text: String, to buffer: inout ByteBuffer) {
        buffer.writeString(type)
        buffer.writeString(text)
        buffer.writeStaticString("\r\n")
    }

    private static func oneLine(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: { $0 == "\r" || $0 == "\n" }) else {
            return text
        }
        return String(String.UnicodeScalarView(text.unicodeScalars.map { $0 == "\r" || $0 == "\n" ? " " : $0 }))
    }

    /// A double as Redis writes it: `inf`, `-inf`, `nan`, or the shortest decimal that
    /// reads back to the same value, without a trailing `.0`.
    static func format(_ number: Double) -> String {
        if number.isNaN { return "nan" }
        if number.isInfinite { return number < 0 ? "-inf" : "inf" }
        let text = "\(number)"
        return text.hasSuffix(".0") ? String(text.dropLast(2)) : text
    }
}
