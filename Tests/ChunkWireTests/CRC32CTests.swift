import ChunkWire
import NIOCore
import TestSupport
import Testing

@Suite("CRC-32C")
struct CRC32CTests {
    @Test("CRC-32C of \"123456789\" is the standard check value")
    func crcCheckValue() {
        #expect(CRC32C.checksum(Array("123456789".utf8)) == 0xE306_9283)
        #expect(CRC32C.checksum([UInt8]()) == 0)
        #expect(CRC32C.checksum(ByteBuffer(string: "123456789")) == 0xE306_9283)
    }

    @Test("CRC-32C extends piece by piece to the whole")
    func crcIncremental() {
        let bytes = randomBytes(count: 10_000, seed: 9)
        let whole = CRC32C.checksum(bytes)
        let split = bytes.withUnsafeBytes { raw in
            CRC32C.update(CRC32C.checksum(UnsafeRawBufferPointer(rebasing: raw[..<3333])), with: UnsafeRawBufferPointer(rebasing: raw[3333...]))
        }
        #expect(split == whole)
        #expect(CRC32C.checksum(bytes[...]) == whole)
    }
}
