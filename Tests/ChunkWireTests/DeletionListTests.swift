import ChunkWire
import NIOCore
import Testing

@Suite("Deletion list payload")
struct DeletionListTests {
    @Test("a list round-trips: versions, keys as slices, the empty key and the empty list")
    func roundTrip() throws {
        let entries = [
            DeletionList.Entry(key: ByteBuffer(string: "alpha"), version: 7),
            DeletionList.Entry(key: ByteBuffer(), version: 0),
            DeletionList.Entry(key: ByteBuffer(repeating: 0x41, count: 1024), version: .max),
        ]
        for list in [DeletionList(entries), DeletionList([])] {
            var payload = ByteBuffer()
            list.write(to: &payload)
            #expect(payload.readableBytes == list.encodedLength)
            #expect(try DeletionList(from: payload) == list)
        }
        #expect(DeletionList(entries).encodedLength == 4 + 3 * 6 + 5 + 0 + 1024)
    }

    @Test("short, overlong and lying payloads are malformed messages", arguments: [
        ("empty", [UInt8]()),
        ("a short count", [1, 0, 0]),
        ("a count with no entries", [1, 0, 0, 0]),
        ("a huge count", [255, 255, 255, 255, 7, 0, 0, 0, 0, 0]),
        ("a key cut short", [1, 0, 0, 0, 7, 0, 0, 0, 3, 0, 0x61, 0x62]),
        ("a byte left over", [1, 0, 0, 0, 7, 0, 0, 0, 1, 0, 0x61, 0x62]),
        ("an empty list with a byte left over", [0, 0, 0, 0, 0]),
    ])
    func malformed(name: String, bytes: [UInt8]) {
        let error = #expect(throws: WireError.self, "\(name)") {
            try DeletionList(from: ByteBuffer(bytes: bytes))
        }
        #expect(error?.code == .malformedMessage, "\(name)")
    }
}
