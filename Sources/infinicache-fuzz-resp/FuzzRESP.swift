// A fuzz target for the RESP parser. Built normally it replays the files named on its
// command line; built with `-sanitize=fuzzer -DFUZZING` (see the README) it hands control
// to libFuzzer, which drives the parser with generated inputs.
import FuzzTargetSupport
import NIOCore
import RESPWire

/// Small limits, so that the fuzzer's inputs can reach every length check.
private let fuzzLimits = RESPParser.Limits(maximumBulkLength: 256, maximumAggregateLength: 16, maximumDepth: 4, maximumLineLength: 64)

/// Parses `bytes` in both modes, fed in two parts split where the first byte says, and
/// checks that every value parsed re-encodes to something the parser reads back the same;
/// then reads them as command parts, streaming last arguments of 8 bytes or more, and
/// checks that each streamed argument's parts add up to its length.
private func parseStream(_ bytes: UnsafeRawBufferPointer) {
    readCommandParts(bytes)
    for mode in [RESPParser.Mode.values, .commands] {
        var parser = RESPParser(mode: mode, limits: fuzzLimits)
        let split = bytes.isEmpty ? 0 : Int(bytes[0]) % (bytes.count + 1)
        var buffer = ByteBuffer(bytes: bytes[..<split])
        guard let first = try? parseAll(&buffer, with: &parser) else { continue }
        buffer.writeBytes(bytes[split...])
        let second = (try? parseAll(&buffer, with: &parser)) ?? []
        for value in first + second {
            for version in [RESPVersion.resp2, .resp3] {
                var encoded = RESPEncoder(version: version).encode(value)
                var reader = RESPParser()
                let decoded = try? reader.next(from: &encoded)
                precondition(decoded != nil, "an encoded value did not parse back")
                if version == .resp3, !containsNaN(value) {
                    precondition(decoded.map(nullsMerged) == nullsMerged(value), "RESP3 did not round-trip \(value)")
                }
            }
        }
    }
}

private func readCommandParts(_ bytes: UnsafeRawBufferPointer) {
    var parser = RESPParser(mode: .commands, limits: fuzzLimits)
    let split = bytes.isEmpty ? 0 : Int(bytes[0]) % (bytes.count + 1)
    var streamed: (announced: Int, received: Int)?
    var buffer = ByteBuffer()
    for part in [bytes[..<split], bytes[split...]] {
        buffer.writeBytes(part)
        do {
            while let step = try parser.nextCommandPart(from: &buffer, streamingFrom: 8) {
                switch step {
                case .streamedCommand(_, let length):
                    precondition(streamed == nil && length >= 8 && length <= fuzzLimits.maximumBulkLength)
                    streamed = (length, 0)
                case .argumentBytes(let bytes):
                    streamed!.received += bytes.readableBytes
                    precondition(streamed!.received <= streamed!.announced)
                case .argumentEnd:
                    precondition(streamed!.received == streamed!.announced)
                    streamed = nil
                case .command:
                    precondition(streamed == nil)
                }
            }
        } catch {
            return
        }
    }
}

private func parseAll(_ buffer: inout ByteBuffer, with parser: inout RESPParser) throws -> [RESPValue] {
    var values: [RESPValue] = []
    while let value = try parser.next(from: &buffer) {
        values.append(value)
    }
    return values
}

/// `value` with RESP2's null bulk string and null array written as RESP3's one null, as
/// a RESP3 connection sends them.
private func nullsMerged(_ value: RESPValue) -> RESPValue {
    switch value {
    case .bulkString(nil), .array(nil): .null
    case .array(let elements?): .array(elements.map(nullsMerged))
    case .set(let elements): .set(elements.map(nullsMerged))
    case .push(let elements): .push(elements.map(nullsMerged))
    case .map(let pairs): .map(pairs.map { .init(nullsMerged($0.key), nullsMerged($0.value)) })
    default: value
    }
}

/// NaN is not equal to itself, so values holding one are only checked for parsing back.
private func containsNaN(_ value: RESPValue) -> Bool {
    switch value {
    case .double(let number): number.isNaN
    case .array(let elements?), .set(let elements), .push(let elements): elements.contains(where: containsNaN)
    case .map(let pairs): pairs.contains { containsNaN($0.key) || containsNaN($0.value) }
    default: false
    }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzRESPParser(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    parseStream(UnsafeRawBufferPointer(start: data, count: data == nil ? 0 : size))
    return 0
}

@main
enum FuzzRESP {
    static func main() throws {
        try FuzzTarget.main(usage: "usage: infinicache-fuzz-resp FILE...  (replays fuzz inputs through the RESP parser)", testOneInput: fuzzRESPParser)
    }
}
