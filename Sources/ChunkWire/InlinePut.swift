public import NIOCore

/// The payload of a ``Opcode/putObjectInline``: a one-stripe object's announcement and its
/// chunks in one request, so that a write takes one round trip to the proxy.
///
/// On the wire (little-endian): the maximum chunk length (4 bytes), an ``ObjectExpiry``
/// (9 bytes), the number of chunks carried (1 byte), the chunk length (4 bytes), each
/// chunk's CRC-32C (4 bytes each), then the chunks back to back. The chunks carried are
/// the stripe's k + r, in index order; under replication (k = 1) only one, which the proxy
/// stores as every replica.
public struct InlinePut: Sendable {
    /// The announcement's maximum chunk length, in bytes.
    public var maxChunkLength: Int
    /// When the object expires.
    public var expiry: ObjectExpiry
    /// The chunks carried, in index order, each with its CRC-32C; all of one length.
    public var chunks: [(checksum: UInt32, bytes: ByteBuffer)]

    /// Creates a payload carrying `chunks`, whose CRC-32Cs are computed here.
    public init(maxChunkLength: Int, expiry: ObjectExpiry, chunks: [ByteBuffer]) {
        self.maxChunkLength = maxChunkLength
        self.expiry = expiry
        self.chunks = chunks.map { (CRC32C.checksum($0), $0) }
    }

    /// The length every chunk carried has (0 without chunks).
    public var chunkLength: Int { self.chunks.first?.bytes.readableBytes ?? 0 }

    /// Bytes ``write(to:)`` appends.
    public var encodedLength: Int { 4 + ObjectExpiry.encodedLength + 1 + 4 + self.chunks.count * (4 + self.chunkLength) }

    /// Appends the payload to `buffer`. At most 255 chunks of one length each.
    public func write(to buffer: inout ByteBuffer) {
        buffer.reserveCapacity(minimumWritableBytes: self.encodedLength)
        buffer.writeInteger(UInt32(self.maxChunkLength), endianness: .little)
        self.expiry.write(to: &buffer)
        buffer.writeInteger(UInt8(self.chunks.count))
        buffer.writeInteger(UInt32(self.chunkLength), endianness: .little)
        for chunk in self.chunks {
            buffer.writeInteger(chunk.checksum, endianness: .little)
        }
        for chunk in self.chunks {
            buffer.writeImmutableBuffer(chunk.bytes)
        }
    }

    /// Reads a payload; the chunks are slices of `payload`, not copies. Checksums are read,
    /// not verified: the nodes that store the chunks verify them.
    ///
    /// - Throws: ``WireError`` with code `malformedMessage` if the payload is short, has
    ///   bytes left over, or holds an unknown expiry kind.
    public init(from payload: ByteBuffer) throws(WireError) {
        var payload = payload
        guard let maxChunkLength = payload.readInteger(endianness: .little, as: UInt32.self) else {
            throw WireError(.malformedMessage, "an inline put starts with the maximum chunk length")
        }
        let expiry = try ObjectExpiry(from: &payload)
        guard let (count, chunkLength) = payload.readMultipleIntegers(endianness: .little, as: (UInt8, UInt32).self) else {
            throw WireError(.malformedMessage, "an inline put needs its chunk count and chunk length")
        }
        let checksumBytes = Int(count) * 4
        guard payload.readableBytes == checksumBytes + Int(count) * Int(chunkLength) else {
            throw WireError(.malformedMessage, "an inline put of \(count) chunks of \(chunkLength) bytes needs \(checksumBytes + Int(count) * Int(chunkLength)) bytes after its header; it has \(payload.readableBytes)")
        }
        let checksums = (0..<Int(count)).map { _ in payload.readInteger(endianness: .little, as: UInt32.self)! }
        self.maxChunkLength = Int(maxChunkLength)
        self.expiry = expiry
        self.chunks = checksums.map { ($0, payload.readSlice(length: Int(chunkLength))!) }
    }
}
