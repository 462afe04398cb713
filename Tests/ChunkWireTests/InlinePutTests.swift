import ChunkWire
import NIOCore
import Testing

@Suite("Inline put payload")
struct InlinePutTests {
    @Test("a payload round-trips: header, checksums, and chunks as slices")
    func roundTrip() throws {
        let chunks = (0..<3).map { ByteBuffer(repeating: UInt8($0), count: 100) }
        let inline = InlinePut(maxChunkLength: 4096, expiry: .after(milliseconds: 1500), chunks: chunks)
        var payload = ByteBuffer()
        inline.write(to: &payload)
        #expect(payload.readableBytes == inline.encodedLength)
        #expect(payload.readableBytes == 4 + 9 + 1 + 4 + 3 * 4 + 300)
        let read = try InlinePut(from: payload)
        #expect(read.maxChunkLength == 4096 && read.expiry == .after(milliseconds: 1500))
        #expect(read.chunks.map(\.bytes) == chunks)
        #expect(read.chunks.map(\.checksum) == chunks.map { CRC32C.checksum($0) })
        #expect(read.chunkLength == 100)
    }

    @Test("an empty object carries chunks of length 0")
    func emptyChunks() throws {
        var payload = ByteBuffer()
        InlinePut(maxChunkLength: 4096, expiry: .never, chunks: [ByteBuffer()]).write(to: &payload)
        let read = try InlinePut(from: payload)
        #expect(read.chunks.count == 1 && read.chunkLength == 0)
    }

    @Test("short, overlong and unknown-expiry payloads are malformed messages", arguments: [
        ("empty", [UInt8]()),
        ("no expiry", [0, 16, 0, 0]),
        ("unknown expiry kind", [0, 16, 0, 0, 9, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0x41]),
        ("no chunk header", [0, 16, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]),
        ("chunk bytes missing", [0, 16, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3, 4]),
        ("a byte left over", [0, 16, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0x41, 0x42]),
        ("a huge chunk length", [0, 16, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 255, 255, 255, 255, 255]),
    ])
    func malformed(name: String, bytes: [UInt8]) {
        #expect(throws: WireError.self, "\(name)") {
            try InlinePut(from: ByteBuffer(bytes: bytes))
        }
    }
}
