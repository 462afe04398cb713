import NIOCore
import RESPWire
import Testing

/// Feeds `text` in pieces of `step` bytes and collects the command parts.
private func parts(_ text: String, step: Int, threshold: Int = 8) throws -> [RESPParser.CommandPart] {
    var parser = RESPParser(mode: .commands)
    var buffer = ByteBuffer()
    var parts: [RESPParser.CommandPart] = []
    let bytes = Array(text.utf8)
    for start in stride(from: 0, to: bytes.count, by: step) {
        buffer.writeBytes(bytes[start..<min(start + step, bytes.count)])
        while let part = try parser.nextCommandPart(from: &buffer, streamingFrom: threshold) {
            parts.append(part)
        }
    }
    return parts
}

/// The streamed argument's bytes, joined, and the other parts.
private func joined(_ parts: [RESPParser.CommandPart]) -> (argument: String, others: [RESPParser.CommandPart]) {
    var argument = ""
    var others: [RESPParser.CommandPart] = []
    for part in parts {
        if case .argumentBytes(let bytes) = part {
            argument += String(buffer: bytes)
        } else {
            others.append(part)
        }
    }
    return (argument, others)
}

@Suite("Commands whose last argument streams")
struct RESPCommandPartTests {
    @Test("a large last argument is passed on in parts as it arrives, then the next command whole", arguments: [1, 3, 7, 100])
    func streamsTheLastArgument(step: Int) throws {
        let text = "*3\r\n$3\r\nSET\r\n$3\r\nkey\r\n$20\r\n0123456789\r\n89abcdef\r\n*1\r\n$4\r\nPING\r\n"
        let (argument, others) = joined(try parts(text, step: step))
        // Whether the value arrives in pieces or at once, it is passed on in parts.
        #expect(argument == "0123456789\r\n89abcdef")
        #expect(others == [.streamedCommand([ByteBuffer(string: "SET"), ByteBuffer(string: "key")], argumentLength: 20), .argumentEnd, .command([ByteBuffer(string: "PING")])])
    }

    @Test("only the last argument streams, and only from the threshold")
    func onlyLargeLastArguments() throws {
        let notLast = "*4\r\n$3\r\nSET\r\n$1\r\nk\r\n$10\r\n0123456789\r\n$2\r\nNX\r\n"
        #expect(try parts(notLast, step: 1) == [.command(["SET", "k", "0123456789", "NX"].map { ByteBuffer(string: $0) })])
        let small = "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$7\r\n0123456\r\n"
        #expect(try parts(small, step: 1) == [.command(["SET", "k", "0123456"].map { ByteBuffer(string: $0) })])
    }

    @Test("a streamed argument without its CR LF, or longer than the limit, is a protocol error")
    func errors() {
        #expect(throws: RESPError.self) { try parts("*2\r\n$4\r\nECHO\r\n$8\r\n01234567XY", step: 1) }
        var parser = RESPParser(mode: .commands, limits: .init(maximumBulkLength: 16))
        var buffer = ByteBuffer(string: "*2\r\n$4\r\nECHO\r\n")
        #expect((try? parser.nextCommandPart(from: &buffer, streamingFrom: 8)) == .some(nil))
        buffer.writeString("$17\r\n")
        #expect(throws: RESPError.self) { try parser.nextCommandPart(from: &buffer, streamingFrom: 8) }
    }

    @Test("a command may hold at most maximumCommandLength bytes while it arrives; a streamed last argument does not count")
    func commandLength() throws {
        let limits = RESPParser.Limits(maximumBulkLength: 100, maximumCommandLength: 30)
        var parser = RESPParser(mode: .commands, limits: limits)
        var held = ByteBuffer(string: "*4\r\n$3\r\nSET\r\n$20\r\n" + String(repeating: "k", count: 20) + "\r\n$10\r\n")
        #expect(throws: RESPError.self) {
            while try parser.nextCommandPart(from: &held, streamingFrom: 1000) != nil {}
        }
        var streamingParser = RESPParser(mode: .commands, limits: limits)
        var streamed = ByteBuffer(string: "*3\r\n$3\r\nSET\r\n$20\r\n" + String(repeating: "k", count: 20) + "\r\n$50\r\n")
        #expect(try streamingParser.nextCommandPart(from: &streamed, streamingFrom: 40) == .streamedCommand([ByteBuffer(string: "SET"), ByteBuffer(string: String(repeating: "k", count: 20))], argumentLength: 50))
    }
}
