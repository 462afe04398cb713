public import NIOCore

/// Constants of the wire format and the writing half of its codec.
///
/// Header layout (48 bytes, little-endian):
///
/// | offset | size | field |
/// | --- | --- | --- |
/// | 0 | 4 | magic `0x46574349` (the bytes "ICWF") |
/// | 4 | 1 | version |
/// | 5 | 1 | opcode |
/// | 6 | 2 | flags |
/// | 8 | 8 | request id |
/// | 16 | 8 | object length |
/// | 24 | 4 | stripe index |
/// | 28 | 4 | payload length |
/// | 32 | 4 | payload CRC-32C |
/// | 36 | 2 | key length |
/// | 38 | 1 | chunk index |
/// | 39 | 1 | k |
/// | 40 | 1 | r |
/// | 41 | 3 | reserved, zero |
/// | 44 | 4 | object version |
///
/// The key follows the header, then the payload.
public enum WireFormat {
    /// The first four header bytes of every frame.
    public static let magic: UInt32 = 0x4657_4349
    /// The version this implementation writes and the only one it accepts.
    public static let version: UInt8 = 2
    /// Size of the fixed header in bytes.
    public static let headerLength = 48

    /// Writes the frame's header and key to `buffer`. The payload is not copied: send it
    /// as a separate buffer right after (``FrameEncoder`` does both and flushes once).
    ///
    /// - Throws: ``WireError`` with code `keyTooLong` or `payloadTooLarge`, writing
    ///   nothing, if the key or payload does not fit its length field.
    public static func writeHeaderAndKey(of frame: Frame, to buffer: inout ByteBuffer) throws(WireError) {
        let header = try RawHeader(of: frame)
        buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: self.headerLength + frame.key.readableBytes) { bytes in
            header.store(into: bytes)
            frame.key.withUnsafeReadableBytes { key in
                UnsafeMutableRawBufferPointer(rebasing: bytes[self.headerLength...]).copyMemory(from: key)
            }
            return self.headerLength + frame.key.readableBytes
        }
    }

    /// The header and key of `frame` in a new buffer from `allocator`.
    ///
    /// - Throws: as ``writeHeaderAndKey(of:to:)``.
    public static func headerAndKey(of frame: Frame, allocator: ByteBufferAllocator) throws(WireError) -> ByteBuffer {
        var buffer = allocator.buffer(capacity: self.headerLength + frame.key.readableBytes)
        try self.writeHeaderAndKey(of: frame, to: &buffer)
        return buffer
    }

    /// The whole frame in one contiguous buffer: header, key, then a copy of the payload.
    /// For tests, fuzzing and tools; the data path writes the payload separately.
    ///
    /// - Throws: as ``writeHeaderAndKey(of:to:)``.
    public static func contiguousBytes(of frame: Frame, allocator: ByteBufferAllocator = ByteBufferAllocator()) throws(WireError) -> ByteBuffer {
        var buffer = allocator.buffer(capacity: frame.encodedLength)
        try self.writeHeaderAndKey(of: frame, to: &buffer)
        buffer.writeImmutableBuffer(frame.payload)
        return buffer
    }
}
