// A fuzz target for the frame parser. Built normally it replays the files named on its
// command line (to reproduce a crash); built with `-sanitize=fuzzer -DFUZZING` (see the
// README) it hands control to libFuzzer, which drives the parser with generated inputs.
import ChunkWire
import FuzzTargetSupport
import NIOCore

/// Small limits, so that the fuzzer's inputs can reach every length check.
private let fuzzLimits = WireLimits(maximumKeyLength: 64, maximumPayloadLength: 4096)

/// Parses `bytes` as a stream of frames, split in two at a point the input chooses so
/// that partial frames are exercised too, and decodes every message body that parses.
private func parseStream(_ bytes: UnsafeRawBufferPointer) {
    let parser = FrameParser(limits: fuzzLimits)
    let split = bytes.isEmpty ? 0 : Int(bytes[0]) % (bytes.count + 1)
    var buffer = ByteBuffer(bytes: bytes[..<split])
    guard parseFrames(in: &buffer, with: parser) else {
        return
    }
    buffer.writeBytes(bytes[split...])
    _ = parseFrames(in: &buffer, with: parser)
}

/// Parses whole frames from the front of `buffer`; false once the parser rejects it.
private func parseFrames(in buffer: inout ByteBuffer, with parser: FrameParser) -> Bool {
    do {
        while let frame = try parser.parse(&buffer) {
            precondition(frame.key.readableBytes <= fuzzLimits.maximumKeyLength)
            precondition(frame.payload.readableBytes <= fuzzLimits.maximumPayloadLength)
            _ = try? HelloMessage(from: frame)
            _ = try? ErrorMessage(from: frame)
            _ = try? frame.verifyPayloadChecksum()
            if let list = try? DeletionList(from: frame.payload) {
                var again = ByteBuffer()
                list.write(to: &again)
                precondition(again == frame.payload, "a deletion list that parses writes back the bytes it was read from")
            }
        }
        return true
    } catch {
        return false
    }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzFrameParser(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    parseStream(UnsafeRawBufferPointer(start: data, count: data == nil ? 0 : size))
    return 0
}

@main
enum FuzzWire {
    static func main() throws {
        try FuzzTarget.main(usage: "usage: infinicache-fuzz-wire FILE...  (replays fuzz inputs through the frame parser)", testOneInput: fuzzFrameParser)
    }
}
