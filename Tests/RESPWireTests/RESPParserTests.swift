import NIOCore
import RESPWire
import Testing

/// Parses `text` fed one byte at a time, so every value is also seen split at every point.
private func parseByteByByte(_ text: String, mode: RESPParser.Mode = .values, limits: RESPParser.Limits = .default) throws -> [RESPValue] {
    var parser = RESPParser(mode: mode, limits: limits)
    var buffer = ByteBuffer()
    var values: [RESPValue] = []
    for byte in Array(text.utf8) {
        buffer.writeInteger(byte)
        while let value = try parser.next(from: &buffer) {
            values.append(value)
        }
    }
    #expect(buffer.readableBytes == 0)
    return values
}

private func parseWhole(_ text: String, mode: RESPParser.Mode = .values, limits: RESPParser.Limits = .default) throws -> [RESPValue] {
    var parser = RESPParser(mode: mode, limits: limits)
    var buffer = ByteBuffer(string: text)
    var values: [RESPValue] = []
    while let value = try parser.next(from: &buffer) {
        values.append(value)
    }
    return values
}

private func expectError(_ code: RESPError.Code, _ text: String, mode: RESPParser.Mode = .values, limits: RESPParser.Limits = .default) {
    #expect(throws: RESPError.self) { try parseWhole(text, mode: mode, limits: limits) }
    do {
        _ = try parseWhole(text, mode: mode, limits: limits)
    } catch let error as RESPError {
        #expect(error.code == code, "\(error)")
    } catch {
        Issue.record("unexpected \(error)")
    }
}

@Suite struct RESPParserTests {
    @Test func everyRESP2AndRESP3TypeSplitAtEveryByte() throws {
        let text = "+OK\r\n-ERR bad\r\n:-42\r\n$5\r\nhello\r\n$-1\r\n$0\r\n\r\n*-1\r\n_\r\n,1.5\r\n,-inf\r\n#t\r\n#f\r\n(123456789012345678901234567890\r\n"
            + "!10\r\nERR a\r\nb c\r\n=8\r\ntxt:some\r\n~2\r\n:1\r\n:2\r\n%1\r\n+k\r\n+v\r\n>2\r\n+message\r\n+x\r\n"
        let expected: [RESPValue] = [
            .simpleString("OK"), .error("ERR bad"), .integer(-42), .bulkString("hello"), .bulkString(nil), .bulkString(""), .array(nil), .null,
            .double(1.5), .double(-.infinity), .boolean(true), .boolean(false), .bigNumber("123456789012345678901234567890"),
            .bulkError("ERR a\r\nb c"), .verbatimString(format: "txt", text: "some"), .set([.integer(1), .integer(2)]),
            .map([.init(.simpleString("k"), .simpleString("v"))]), .push([.simpleString("message"), .simpleString("x")]),
        ]
        #expect(try parseByteByByte(text) == expected)
        #expect(try parseWhole(text) == expected)
    }

    @Test func nestedArraysAndEmptyAggregates() throws {
        let text = "*3\r\n*2\r\n:1\r\n*1\r\n$1\r\na\r\n*0\r\n%0\r\n"
        let expected = RESPValue.array([.array([.integer(1), .array([.bulkString("a")])]), .array([]), .map([])])
        #expect(try parseByteByByte(text) == [expected])
    }

    @Test func bulkStringsHoldCRLFAndAnyByte() throws {
        var bytes = ByteBuffer(string: "$6\r\n\r\n\0\u{1}\r\n\r\n")
        var parser = RESPParser()
        let value = try parser.next(from: &bytes)
        #expect(value == .bulkString(ByteBuffer(bytes: [13, 10, 0, 1, 13, 10])))
        #expect(bytes.readableBytes == 0)
    }

    @Test func bulkStringSplitAcrossReadsWaitsWithoutConsumingItsHeader() throws {
        var parser = RESPParser()
        var buffer = ByteBuffer(string: "$10\r\n01234")
        #expect(try parser.next(from: &buffer) == nil)
        #expect(buffer.readableBytes == 10)
        buffer.writeString("56789\r\n")
        #expect(try parser.next(from: &buffer) == .bulkString("0123456789"))
    }

    @Test func anArrayConsumesEachElementAsItArrives() throws {
        var parser = RESPParser(mode: .commands)
        var buffer = ByteBuffer(string: "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$5\r\nva")
        #expect(try parser.next(from: &buffer) == nil)
        #expect(buffer.readableBytes == "$5\r\nva".utf8.count)
        buffer.writeString("lue\r\n")
        #expect(try parser.next(from: &buffer) == .command("SET", "k", "value"))
    }

    @Test func unterminatedArrayWaitsForMore() throws {
        var parser = RESPParser()
        var buffer = ByteBuffer(string: "*2\r\n:1\r\n")
        #expect(try parser.next(from: &buffer) == nil)
        #expect(try parser.next(from: &buffer) == nil)
        buffer.writeString(":2\r\n")
        #expect(try parser.next(from: &buffer) == .array([.integer(1), .integer(2)]))
    }

    @Test func inlineCommandsWithRedisQuoting() throws {
        let text = "PING\r\nSET key \"a b\\x41\\n\" 'it\\'s'\nget  key  \r\n\r\n"
        let values = try parseByteByByte(text, mode: .commands)
        #expect(values == [.command("PING"), .command("SET", "key", "a bA\n", "it's"), .command("get", "key"), .array([])])
    }

    @Test func inlineCommandsRejectUnbalancedQuotes() {
        expectError(.unbalancedQuotes, "SET \"abc\r\n", mode: .commands)
        expectError(.unbalancedQuotes, "SET \"abc\"x\r\n", mode: .commands)
    }

    @Test func commandsMustBeArraysOfBulkStrings() {
        expectError(.unexpectedType, "*1\r\n:1\r\n", mode: .commands)
        expectError(.invalidLength, "*1\r\n$-1\r\n", mode: .commands)
        expectError(.invalidLength, "*x\r\n", mode: .commands)
    }

    @Test func emptyAndNullCommandArraysAreIgnorable() throws {
        #expect(try parseWhole("*0\r\n*-1\r\n", mode: .commands) == [.array([]), .array([])])
    }

    @Test func negativeAndHugeLengthsAreRejectedBeforeTheirBytes() {
        expectError(.invalidLength, "$-2\r\n")
        expectError(.invalidLength, "*-5\r\n")
        expectError(.invalidLength, "~-1\r\n")
        expectError(.invalidLength, "$99999999999999999999\r\n")
        expectError(.invalidLength, "$1025\r\n", limits: .init(maximumBulkLength: 1024))
        expectError(.invalidLength, "*1025\r\n", limits: .init(maximumAggregateLength: 1024))
        expectError(.invalidLength, "%600\r\n", limits: .init(maximumAggregateLength: 512))
        expectError(.invalidLength, "*2000000\r\n", mode: .commands, limits: .init(maximumAggregateLength: 1_000_000))
    }

    @Test func malformedScalarsAreRejected() {
        expectError(.invalidNumber, ":12a\r\n")
        expectError(.invalidNumber, ",one\r\n")
        expectError(.invalidNumber, "#x\r\n")
        expectError(.invalidNumber, "(12x\r\n")
        expectError(.unexpectedType, "?what\r\n")
        expectError(.missingLineEnd, "+OK\rX")
        expectError(.missingLineEnd, "$3\r\nabcde")
        expectError(.invalidLength, "=2\r\nab\r\n")
        expectError(.invalidLength, "=6\r\nt\u{FF}:ab\r\n")
        expectError(.missingLineEnd, "+a\nb\r\n")
    }

    @Test func longLinesAndDeepNestingAreRejected() {
        let limits = RESPParser.Limits(maximumDepth: 3, maximumLineLength: 16)
        expectError(.lineTooLong, "+" + String(repeating: "a", count: 17), limits: limits)
        expectError(.lineTooLong, String(repeating: "a", count: 17), mode: .commands, limits: limits)
        expectError(.tooDeep, "*1\r\n*1\r\n*1\r\n*1\r\n:1\r\n", limits: limits)
        #expect((try? parseWhole("*1\r\n*1\r\n*1\r\n:1\r\n", limits: limits)) == [.array([.array([.array([.integer(1)])])])])
    }

    @Test func protocolErrorsReadAsRedisWritesThem() throws {
        do {
            _ = try parseWhole("*1\r\n:1\r\n", mode: .commands)
            Issue.record("no error")
        } catch let error as RESPError {
            #expect(error.replyText == "ERR Protocol error: expected '$', got ':'")
        }
    }
}
