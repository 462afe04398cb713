import ChunkWire
import ErasureCoding
import NIOCore

/// In-memory framing of one chunk: the work a sender does to frame it (header buffer, the
/// payload referenced, not copied) and a receiver does to parse it out of received bytes,
/// beside the baselines that bound it: one memcpy of the payload, and its CRC-32C.
final class FramingFixture {
    let size: Int
    private let payload: ByteBuffer
    private let checksum: UInt32
    private let key = ByteBuffer(string: "bench/object-key")
    private let received: ByteBuffer
    private let allocator = ByteBufferAllocator()
    private let parser = FrameParser()
    private let copyTarget: UnsafeMutableRawBufferPointer

    init(size: Int) throws {
        self.size = size
        self.payload = ByteBuffer(bytes: pseudoRandomBytes(count: size))
        self.checksum = CRC32C.checksum(self.payload)
        self.received = try WireFormat.contiguousBytes(of: Frame(.chunkData, key: self.key, payload: self.payload, payloadChecksum: self.checksum))
        self.copyTarget = .allocate(byteCount: size, alignment: 64)
    }

    deinit {
        self.copyTarget.deallocate()
    }

    /// Frames the chunk (checksum carried, as a relay or a node re-serving a stored chunk
    /// does) and parses a received copy of it, optionally verifying the payload's CRC-32C.
    func encodeAndDecode(verifying: Bool) throws {
        let outgoing = Frame(.chunkData, requestID: 1, key: self.key, stripeIndex: 3, chunkIndex: 5, k: 10, r: 2, objectLength: 1 << 30, payload: self.payload, payloadChecksum: self.checksum)
        let header = try WireFormat.headerAndKey(of: outgoing, allocator: self.allocator)
        var bytes = self.received
        guard let frame = try self.parser.parse(&bytes) else {
            throw WireError(.truncatedFrame, "the fixture's bytes do not hold a frame")
        }
        if verifying {
            try frame.verifyPayloadChecksum()
        }
        blackHole(header.readableBytes &+ frame.payload.readableBytes)
    }

    /// One copy of the payload into a pre-allocated buffer.
    func copyPayload() {
        self.payload.withUnsafeReadableBytes { self.copyTarget.copyMemory(from: $0) }
        blackHole(self.copyTarget[self.size - 1])
    }

    /// The payload's CRC-32C alone.
    func checksumPayload() {
        blackHole(CRC32C.checksum(self.payload))
    }
}
