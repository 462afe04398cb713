import NIOCore
import RESPWire
import Testing

private func text(_ value: RESPValue, _ version: RESPVersion) -> String {
    String(buffer: RESPEncoder(version: version).encode(value))
}

@Suite struct RESPEncoderTests {
    @Test func resp2FormsOfRESP3Types() {
        #expect(text(.null, .resp2) == "$-1\r\n")
        #expect(text(.array(nil), .resp2) == "*-1\r\n")
        #expect(text(.boolean(true), .resp2) == ":1\r\n")
        #expect(text(.double(2), .resp2) == "$1\r\n2\r\n")
        #expect(text(.double(-.infinity), .resp2) == "$4\r\n-inf\r\n")
        #expect(text(.map([.init(.bulkString("a"), .integer(1))]), .resp2) == "*2\r\n$1\r\na\r\n:1\r\n")
        #expect(text(.set([.integer(1)]), .resp2) == "*1\r\n:1\r\n")
        #expect(text(.verbatimString(format: "txt", text: "hi"), .resp2) == "$2\r\nhi\r\n")
        #expect(text(.bulkError("ERR x\ny"), .resp2) == "-ERR x y\r\n")
    }

    @Test func resp3Forms() {
        #expect(text(.null, .resp3) == "_\r\n")
        #expect(text(.bulkString(nil), .resp3) == "_\r\n")
        #expect(text(.boolean(false), .resp3) == "#f\r\n")
        #expect(text(.double(1.25), .resp3) == ",1.25\r\n")
        #expect(text(.map([.init(.bulkString("a"), .integer(1))]), .resp3) == "%1\r\n$1\r\na\r\n:1\r\n")
        #expect(text(.set([.integer(1)]), .resp3) == "~1\r\n:1\r\n")
        #expect(text(.verbatimString(format: "txt", text: "hi"), .resp3) == "=6\r\ntxt:hi\r\n")
        #expect(text(.bigNumber("-12"), .resp3) == "(-12\r\n")
    }

    @Test func statusLinesNeverBreakTheStream() {
        #expect(text(.error("ERR a\r\nb"), .resp2) == "-ERR a  b\r\n")
        #expect(text(.simpleString("x\ny"), .resp3) == "+x y\r\n")
    }

    @Test(arguments: [RESPVersion.resp2, .resp3])
    func everyValueRoundTripsThroughTheParser(version: RESPVersion) throws {
        let values: [RESPValue] = [
            .simpleString("OK"), .error("ERR no"), .integer(.min), .bulkString("a\r\nb"), .array([.integer(1), .array([.bulkString("x")])]),
            .array([]),
        ] + (version == .resp3 ? [.null, .double(0.5), .boolean(true), .map([.init(.bulkString("k"), .set([.integer(2)]))]), .bigNumber("99"), .bulkError("ERR x")] : [])
        var parser = RESPParser()
        for value in values {
            var buffer = RESPEncoder(version: version).encode(value)
            #expect(try parser.next(from: &buffer) == value)
        }
    }

    @Test func largeBulkStringsAreSegmentsOfTheirOwn() {
        let large = ByteBuffer(repeating: 7, count: RESPEncoder.zeroCopyThreshold)
        var output: [ByteBuffer] = []
        RESPEncoder().encode(.array([.bulkString("a"), .bulkString(large), .integer(1)]), into: &output)
        #expect(output.count == 3)
        #expect(String(buffer: output[0]) == "*3\r\n$1\r\na\r\n$\(large.readableBytes)\r\n")
        #expect(output[1] == large)
        #expect(String(buffer: output[2]) == "\r\n:1\r\n")
        let joined = output.reduce(into: ByteBuffer()) { $0.writeImmutableBuffer($1) }
        #expect(joined == RESPEncoder().encode(.array([.bulkString("a"), .bulkString(large), .integer(1)])))
    }
}
